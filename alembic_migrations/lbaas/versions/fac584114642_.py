"""Key health monitors by their own id instead of their pool's."""
from alembic import op
import sqlalchemy as sa

revision = 'fac584114642'
down_revision = 'fc5582da7d8a'


def upgrade():
    op.add_column('health_monitor',
                  sa.Column('id', sa.String(36), nullable=True))
    op.execute("UPDATE health_monitor SET id = pool_id WHERE id IS NULL")
    dialect = op.get_context().dialect.name
    with op.batch_alter_table('health_monitor') as batch:
        # MySQL needs the foreign key gone while its index (the old primary
        # key) is dropped.
        batch.drop_constraint('fk_health_monitor_pool_id', type_='foreignkey')
        batch.alter_column('id', existing_type=sa.String(36), nullable=False)
        if dialect != 'mysql':
            # SQLite's primary key has no name to drop; the recreate replaces it.
            if dialect != 'sqlite':
                batch.drop_constraint('health_monitor_pkey', type_='primary')
            batch.create_primary_key('health_monitor_pkey', ['id'])
            batch.create_foreign_key('fk_health_monitor_pool_id', 'pool',
                                     ['pool_id'], ['id'])
    if dialect == 'mysql':
        # The unique key first: online on Galera, the key swap below then
        # goes through a shadow copy that still has a unique key on pool_id.
        op.create_index('uq_health_monitor_pool', 'health_monitor', ['pool_id'],
                        unique=True)
        # One statement: MySQL rebuilds the table once and lets writers go
        # on, where dropping the primary key alone copies it with writes
        # blocked. The option tells dbmanage, resuming after a crash, what
        # the statement leaves behind (stock Alembic ignores it).
        op.execute('ALTER TABLE health_monitor DROP PRIMARY KEY, ADD PRIMARY KEY (id)',
                   execution_options={'dbmanage_resume': ('primary_key', 'health_monitor',
                                                          'PRIMARY', ['id'])})
        op.create_foreign_key('fk_health_monitor_pool_id', 'health_monitor', 'pool',
                              ['pool_id'], ['id'])
    else:
        op.create_index('uq_health_monitor_pool', 'health_monitor', ['pool_id'],
                        unique=True)
