"""SCTP as protocol and as health monitor type."""
from alembic import op
import sqlalchemy as sa

revision = '8b47b2546312'
down_revision = 'e6ee84f0abf3'


def upgrade():
    for table in ('protocol', 'health_monitor_type'):
        names = sa.table(table, sa.column('name', sa.String))
        op.execute(names.insert().from_select(
            ['name'], sa.select(sa.literal('SCTP')).where(
                ~sa.exists().where(names.c.name == 'SCTP'))))
