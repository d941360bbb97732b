"""Add last_heartbeat and is_sync to action executions."""
from alembic import op
import sqlalchemy as sa

revision = '027'
down_revision = '026'


def upgrade():
    op.add_column('action_executions_v2',
                  sa.Column('last_heartbeat', sa.DateTime(), nullable=True))
    op.add_column('action_executions_v2',
                  sa.Column('is_sync', sa.Boolean(), nullable=True))
