"""Add namespaces to workbooks and make them part of the workbook key."""
from alembic import op
import sqlalchemy as sa

revision = '028'
down_revision = '027'

# SQLite reflects the old key unnamed; this names it so it can be dropped.
SQLITE_NAMES = {'uq': '%(table_name)s_%(column_0_N_name)s_key'}


def upgrade():
    op.add_column('workbooks_v2',
                  sa.Column('namespace', sa.String(255), nullable=True))

    dialect = op.get_context().dialect.name
    # MySQL named the old (name, project_id) key 'name'; PostgreSQL keeps
    # its own until 036.
    if dialect == 'mysql':
        op.drop_index('name', table_name='workbooks_v2')
    with op.batch_alter_table('workbooks_v2',
                              naming_convention=SQLITE_NAMES) as batch:
        if dialect == 'sqlite':
            batch.drop_constraint('workbooks_v2_name_project_id_key',
                                  type_='unique')
        # Unnamed as upstream; SQLite's table rebuild needs a name.
        batch.create_unique_constraint(
            'workbooks_v2_name_namespace_project_id_key'
            if dialect == 'sqlite' else None,
            ['name', 'namespace', 'project_id'])
