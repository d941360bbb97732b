"""PROXYV2 protocol name."""
from alembic import op
import sqlalchemy as sa

revision = 'e6ee84f0abf3'
down_revision = '2ab994dd3ec2'


def upgrade():
    protocol = sa.table('protocol', sa.column('name', sa.String))
    op.execute(protocol.insert().from_select(
        ['name'], sa.select(sa.literal('PROXYV2')).where(
            ~sa.exists().where(protocol.c.name == 'PROXYV2'))))
