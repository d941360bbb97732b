"""Seed spares_pool with its single row."""
from alembic import op
import sqlalchemy as sa

revision = '46d914b2a5e5'
down_revision = '6ffc710674ef'


def upgrade():
    spares = sa.table('spares_pool', sa.column('updated_at', sa.DateTime))
    op.execute(spares.insert().from_select(
        ['updated_at'], sa.select(sa.func.current_timestamp()).where(
            ~sa.exists().select_from(spares))))
