"""Add started_at and finished_at to task executions."""
from alembic import op
import sqlalchemy as sa

revision = '031'
down_revision = '030'


def upgrade():
    for col in ('started_at', 'finished_at'):
        op.add_column('task_executions_v2',
                      sa.Column(col, sa.DateTime(), nullable=True))
