"""Add has_next_tasks and error_handled flags to task executions."""
from alembic import op
import sqlalchemy as sa

revision = '032'
down_revision = '031'


def upgrade():
    for col in ('has_next_tasks', 'error_handled'):
        op.add_column('task_executions_v2',
                      sa.Column(col, sa.Boolean(), nullable=True))
