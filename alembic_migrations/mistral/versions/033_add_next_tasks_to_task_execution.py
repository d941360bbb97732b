"""Add the next_tasks JSON list to task executions."""
from alembic import op
import sqlalchemy as sa

revision = '033'
down_revision = '032'


def upgrade():
    op.add_column('task_executions_v2',
                  sa.Column('next_tasks', sa.Text(), nullable=True))
