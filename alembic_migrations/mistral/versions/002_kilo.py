"""Drop the v1 tables and key cron triggers on their workflow params too."""
from alembic import op
import sqlalchemy as sa

revision = '002'
down_revision = '001'


def upgrade():
    for table in ('tasks', 'workflow_executions', 'workbooks', 'triggers'):
        op.drop_table(table)
    op.add_column('cron_triggers_v2',
                  sa.Column('workflow_params', sa.Text(), nullable=True))
    op.add_column('cron_triggers_v2',
                  sa.Column('workflow_params_hash', sa.CHAR(64),
                            nullable=True))
    cols = ['workflow_input_hash', 'workflow_name', 'pattern', 'project_id',
            'workflow_params_hash']
    # Left unnamed so the database picks the name upstream gets; SQLite
    # rebuilds the table and needs one.
    name = None
    if op.get_context().dialect.name == 'sqlite':
        name = 'cron_triggers_v2_%s_key' % '_'.join(cols)
    with op.batch_alter_table('cron_triggers_v2') as batch:
        batch.create_unique_constraint(name, cols)
