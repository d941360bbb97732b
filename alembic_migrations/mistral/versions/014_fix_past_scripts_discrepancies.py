"""Collapse the cron trigger keys into one and relax two NOT NULLs."""
from alembic import op
import sqlalchemy as sa

revision = '014'
down_revision = '013'

CRON_KEY = ['workflow_input_hash', 'workflow_name', 'pattern', 'project_id',
            'workflow_params_hash', 'remaining_executions',
            'first_execution_time']


def upgrade():
    dialect = op.get_context().dialect.name
    if dialect == 'mysql':
        # MySQL named the keys of 001, 002 and 003 after their first column.
        for name in ('workflow_input_hash', 'workflow_input_hash_2',
                     'workflow_input_hash_3'):
            op.drop_index(name, table_name='cron_triggers_v2')
    # PostgreSQL drops nothing here, so it ends up with the 003 key twice.
    # SQLite already holds this key (from 003) and skips the duplicate.
    if dialect != 'sqlite':
        op.create_unique_constraint(None, 'cron_triggers_v2', CRON_KEY)

    with op.batch_alter_table('event_triggers_v2') as batch:
        batch.alter_column('workflow_id', existing_type=sa.String(36),
                           nullable=True)
    with op.batch_alter_table('resource_members_v2') as batch:
        batch.alter_column('project_id', existing_type=sa.String(80),
                           nullable=True)
