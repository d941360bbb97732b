"""Support UDP listeners, UDP-CONNECT monitors and UDP persistence."""
from alembic import op
import sqlalchemy as sa

revision = '76aacf2e176c'
down_revision = 'ebbcc72b4e5e'


def upgrade():
    for table, name in (('protocol', 'UDP'),
                        ('health_monitor_type', 'UDP-CONNECT')):
        op.execute("INSERT INTO %s (name) SELECT '%s' WHERE NOT EXISTS "
                   "(SELECT 1 FROM %s WHERE name = '%s')"
                   % (table, name, table, name))
    op.add_column('session_persistence',
                  sa.Column('persistence_timeout', sa.Integer()))
    op.add_column('session_persistence',
                  sa.Column('persistence_granularity', sa.String(64)))
