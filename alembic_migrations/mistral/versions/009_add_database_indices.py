"""Index the columns the API filters on; drop two old cron trigger keys."""
from alembic import op

revision = '009'
down_revision = '008'

INDEXES = [
    ('action_definitions_v2', 'action_class'),
    ('action_definitions_v2', 'is_system'),
    ('action_definitions_v2', 'project_id'),
    ('action_definitions_v2', 'scope'),
    ('cron_triggers_v2', 'next_execution_time'),
    ('cron_triggers_v2', 'project_id'),
    ('cron_triggers_v2', 'scope'),
    ('cron_triggers_v2', 'workflow_name'),
    ('delayed_calls_v2', 'processing', 'execution_time'),
    ('environments_v2', 'name'),
    ('environments_v2', 'project_id'),
    ('environments_v2', 'scope'),
    ('executions_v2', 'project_id'),
    ('executions_v2', 'scope'),
    ('executions_v2', 'state'),
    ('executions_v2', 'task_execution_id'),
    ('executions_v2', 'type'),
    ('executions_v2', 'updated_at'),
    ('executions_v2', 'workflow_execution_id'),
    ('workbooks_v2', 'project_id'),
    ('workbooks_v2', 'scope'),
    ('workflow_definitions_v2', 'is_system'),
    ('workflow_definitions_v2', 'project_id'),
    ('workflow_definitions_v2', 'scope'),
]

# The 4- and 5-column keys of 001 and 002 carry these names only on
# PostgreSQL, so only there does upstream find and drop them.
PG_OLD_KEYS = [
    'cron_triggers_v2_workflow_input_hash_workflow_name_pattern__key',
    'cron_triggers_v2_workflow_input_hash_workflow_name_pattern_key1',
]
# SQLite reflects these keys unnamed; this names them so they can be dropped.
SQLITE_NAMES = {'uq': '%(table_name)s_%(column_0_N_name)s_key'}
SQLITE_OLD_KEYS = [
    'cron_triggers_v2_workflow_input_hash_workflow_name_pattern_project_id'
    '_key',
    'cron_triggers_v2_workflow_input_hash_workflow_name_pattern_project_id'
    '_workflow_params_hash_key',
]


def upgrade():
    for table, *cols in INDEXES:
        op.create_index('_'.join([table] + cols), table, cols)

    dialect = op.get_context().dialect.name
    if dialect == 'postgresql':
        for name in PG_OLD_KEYS:
            op.drop_constraint(name, 'cron_triggers_v2', type_='unique')
    elif dialect == 'sqlite':
        with op.batch_alter_table('cron_triggers_v2',
                                  naming_convention=SQLITE_NAMES) as batch:
            for name in SQLITE_OLD_KEYS:
                batch.drop_constraint(name, type_='unique')
