"""Add namespaces to action definitions and make them part of the key."""
from alembic import op
import sqlalchemy as sa

revision = '037'
down_revision = '036'

# SQLite reflects the old key unnamed; this names it so it can be dropped.
SQLITE_NAMES = {'uq': '%(table_name)s_%(column_0_N_name)s_key'}


def upgrade():
    op.add_column('action_definitions_v2',
                  sa.Column('namespace', sa.String(255), nullable=True))

    dialect = op.get_context().dialect.name
    if dialect == 'mysql':
        op.drop_index('name', table_name='action_definitions_v2')
    with op.batch_alter_table('action_definitions_v2',
                              naming_convention=SQLITE_NAMES) as batch:
        if dialect in ('postgresql', 'sqlite'):
            batch.drop_constraint('action_definitions_v2_name_project_id_key',
                                  type_='unique')
        # Unnamed as upstream; SQLite's table rebuild needs a name.
        batch.create_unique_constraint(
            'action_definitions_v2_name_namespace_project_id_key'
            if dialect == 'sqlite' else None,
            ['name', 'namespace', 'project_id'])
    # Upstream's backfill of '' has a filter that never matches, so existing
    # action definitions keep a NULL namespace; nothing to do here.
