"""Add first_execution_time to cron triggers and widen their uniqueness key."""
from alembic import op
import sqlalchemy as sa

revision = '003'
down_revision = '002'


def upgrade():
    op.add_column('cron_triggers_v2',
                  sa.Column('first_execution_time', sa.DateTime(),
                            nullable=True))
    cols = ['workflow_input_hash', 'workflow_name', 'pattern', 'project_id',
            'workflow_params_hash', 'remaining_executions',
            'first_execution_time']
    # Unnamed on purpose (see 002); SQLite needs a name to rebuild.
    name = None
    if op.get_context().dialect.name == 'sqlite':
        name = 'cron_triggers_v2_%s_key' % '_'.join(cols)
    with op.batch_alter_table('cron_triggers_v2') as batch:
        batch.create_unique_constraint(name, cols)
