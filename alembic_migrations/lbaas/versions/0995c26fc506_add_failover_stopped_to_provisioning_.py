"""FAILOVER_STOPPED provisioning status."""
from alembic import op
import sqlalchemy as sa

revision = '0995c26fc506'
down_revision = '31f7653ded67'


def upgrade():
    status = sa.table('provisioning_status', sa.column('name', sa.String))
    op.execute(status.insert().from_select(
        ['name'], sa.select(sa.literal('FAILOVER_STOPPED')).where(
            ~sa.exists().where(status.c.name == 'FAILOVER_STOPPED'))))
