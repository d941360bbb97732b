"""Split executions into three tables; widen definition names and texts."""
from alembic import op
import sqlalchemy as sa

from alembic_migrations.types import LongText, MediumText

revision = '013'
down_revision = '012'


def _base_columns():
    return [
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('scope', sa.String(80), nullable=True),
        sa.Column('project_id', sa.String(80), nullable=True),
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('workflow_name', sa.String(255), nullable=True),
        sa.Column('workflow_id', sa.String(80), nullable=True),
        sa.Column('spec', MediumText(), nullable=True),
        sa.Column('state', sa.String(20), nullable=True),
        sa.Column('state_info', sa.Text(), nullable=True),
        sa.Column('tags', sa.Text(), nullable=True),
        sa.Column('runtime_context', LongText(), nullable=True),
    ]


def _create_base_indexes(table):
    # One CREATE INDEX at a time, in this order: indexes handed to
    # create_table come out in set order, which differs between runs.
    for col in ('project_id', 'scope', 'state', 'updated_at'):
        op.create_index('%s_%s' % (table, col), table, [col])


def upgrade():
    op.create_table(
        'action_executions_v2',
        *_base_columns(),
        sa.Column('accepted', sa.Boolean(), nullable=True),
        sa.Column('input', LongText(), nullable=True),
        sa.Column('output', LongText(), nullable=True),
        sa.Column('task_execution_id', sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    _create_base_indexes('action_executions_v2')
    op.create_table(
        'workflow_executions_v2',
        *_base_columns(),
        sa.Column('accepted', sa.Boolean(), nullable=True),
        sa.Column('input', LongText(), nullable=True),
        sa.Column('output', LongText(), nullable=True),
        sa.Column('params', LongText(), nullable=True),
        sa.Column('context', LongText(), nullable=True),
        sa.Column('task_execution_id', sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    _create_base_indexes('workflow_executions_v2')
    op.create_table(
        'task_executions_v2',
        *_base_columns(),
        sa.Column('action_spec', LongText(), nullable=True),
        sa.Column('processed', sa.Boolean(), nullable=True),
        sa.Column('in_context', LongText(), nullable=True),
        sa.Column('published', LongText(), nullable=True),
        sa.Column('workflow_execution_id', sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.ForeignKeyConstraint(['workflow_execution_id'],
                                ['workflow_executions_v2.id'],
                                ondelete='CASCADE'),
    )
    _create_base_indexes('task_executions_v2')
    op.create_index('task_executions_v2_workflow_execution_id',
                    'task_executions_v2', ['workflow_execution_id'])

    # The tables reference each other, so these two keys come afterwards.
    # Unnamed as upstream; SQLite's table rebuild needs a name.
    sqlite = op.get_context().dialect.name == 'sqlite'
    for table in ('action_executions_v2', 'workflow_executions_v2'):
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(
                '%s_task_execution_id_fkey' % table if sqlite else None,
                'task_executions_v2', ['task_execution_id'], ['id'],
                ondelete='CASCADE')

    for table in ('workbooks_v2', 'workflow_definitions_v2',
                  'action_definitions_v2'):
        with op.batch_alter_table(table) as batch:
            batch.alter_column('name', type_=sa.String(255))
            batch.alter_column('definition', type_=MediumText())
            batch.alter_column('spec', type_=MediumText())

    with op.batch_alter_table('cron_triggers_v2') as batch:
        batch.alter_column('workflow_name', type_=sa.String(255))
