"""Widen the JSON columns of executions to LONGTEXT."""
from alembic import op

from alembic_migrations.types import LongText

revision = '005'
down_revision = '004'


def upgrade():
    with op.batch_alter_table('executions_v2') as batch:
        for col in ('runtime_context', 'input', 'params', 'context',
                    'action_spec', 'published'):
            batch.alter_column(col, type_=LongText())
