"""PROMETHEUS listener protocol name."""
from alembic import op
import sqlalchemy as sa

revision = '6ac558d7fc21'
down_revision = 'b8bd389cbae7'


def upgrade():
    protocol = sa.table('protocol', sa.column('name', sa.String))
    op.execute(protocol.insert().from_select(
        ['name'], sa.select(sa.literal('PROMETHEUS')).where(
            ~sa.exists().where(protocol.c.name == 'PROMETHEUS'))))
