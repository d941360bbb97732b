"""Add task_executions_v2.type and fill it from each task's spec."""
from alembic import op
import sqlalchemy as sa

revision = '020'
down_revision = '019'

# A task is a WORKFLOW task when its JSON spec has a top-level "workflow" key.
HAS_WORKFLOW_KEY = {
    'mysql': "JSON_CONTAINS_PATH(spec, 'one', '$.workflow')",
    'postgresql': "(CAST(spec AS json) -> 'workflow') IS NOT NULL",
    'sqlite': "json_type(spec, '$.workflow') IS NOT NULL",
}


def upgrade():
    op.add_column('task_executions_v2',
                  sa.Column('type', sa.String(10), nullable=True))
    cond = HAS_WORKFLOW_KEY[op.get_context().dialect.name]
    op.execute("UPDATE task_executions_v2 SET type = CASE WHEN %s "
               "THEN 'WORKFLOW' ELSE 'ACTION' END" % cond)
