"""Index action and workflow executions by their parent task execution."""
from alembic import op

revision = '026'
down_revision = '025'


def upgrade():
    for table in ('action_executions_v2', 'workflow_executions_v2'):
        op.create_index('%s_task_execution_id' % table, table,
                        ['task_execution_id'])
