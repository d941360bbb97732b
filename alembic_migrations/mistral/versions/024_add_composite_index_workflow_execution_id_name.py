"""Index task executions by (workflow_execution_id, name)."""
from alembic import op

revision = '024'
down_revision = '023'


def upgrade():
    op.create_index('task_executions_v2_workflow_execution_id_name',
                    'task_executions_v2', ['workflow_execution_id', 'name'])
