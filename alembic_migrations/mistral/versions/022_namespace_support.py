"""Add namespaces to workflow definitions and executions, defaulting to ''."""
from alembic import op
import sqlalchemy as sa

revision = '022'
down_revision = '021'

# SQLite reflects the old key unnamed; this names it so it can be dropped.
SQLITE_NAMES = {'uq': '%(table_name)s_%(column_0_N_name)s_key'}


def upgrade():
    op.add_column('workflow_definitions_v2',
                  sa.Column('namespace', sa.String(255), nullable=True))

    dialect = op.get_context().dialect.name
    # MySQL named the old (name, project_id) key 'name'; PostgreSQL keeps
    # its own until 035.
    if dialect == 'mysql':
        op.drop_index('name', table_name='workflow_definitions_v2')
    with op.batch_alter_table('workflow_definitions_v2',
                              naming_convention=SQLITE_NAMES) as batch:
        if dialect == 'sqlite':
            batch.drop_constraint(
                'workflow_definitions_v2_name_project_id_key', type_='unique')
        # Unnamed as upstream; SQLite's table rebuild needs a name.
        batch.create_unique_constraint(
            'workflow_definitions_v2_name_namespace_project_id_key'
            if dialect == 'sqlite' else None,
            ['name', 'namespace', 'project_id'])

    for table in ('workflow_executions_v2', 'task_executions_v2',
                  'action_executions_v2'):
        op.add_column(table, sa.Column('workflow_namespace', sa.String(255),
                                       nullable=True))

    wf_defs = sa.table('workflow_definitions_v2',
                       sa.column('namespace', sa.String))
    op.execute(wf_defs.update().values(namespace=''))
    for table in ('workflow_executions_v2', 'task_executions_v2'):
        execs = sa.table(table, sa.column('workflow_namespace', sa.String))
        op.execute(execs.update().values(workflow_namespace=''))
    # Action executions get '' only when they belong to a named workflow.
    actions = sa.table('action_executions_v2',
                       sa.column('workflow_name', sa.String),
                       sa.column('workflow_namespace', sa.String))
    op.execute(actions.update()
               .where(sa.func.length(actions.c.workflow_name) > 0)
               .values(workflow_namespace=''))
