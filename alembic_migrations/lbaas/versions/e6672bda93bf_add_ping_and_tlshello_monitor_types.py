"""Add the PING and TLS-HELLO health monitor types."""
from alembic import op

revision = 'e6672bda93bf'
down_revision = '27e54d00c3cd'


def upgrade():
    for name in ('PING', 'TLS-HELLO'):
        op.execute("INSERT INTO health_monitor_type (name) SELECT '%s' "
                   "WHERE NOT EXISTS (SELECT 1 FROM health_monitor_type "
                   "WHERE name = '%s')" % (name, name))
