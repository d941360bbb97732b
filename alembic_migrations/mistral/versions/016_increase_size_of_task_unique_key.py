"""Widen task_executions_v2.unique_key to 200."""
from alembic import op
import sqlalchemy as sa

revision = '016'
down_revision = '015'


def upgrade():
    with op.batch_alter_table('task_executions_v2') as batch:
        batch.alter_column('unique_key', type_=sa.String(200))
