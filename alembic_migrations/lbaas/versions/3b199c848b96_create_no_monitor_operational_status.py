"""Add the NO_MONITOR operating status."""
from alembic import op
import sqlalchemy as sa

revision = '3b199c848b96'
down_revision = '543f5d8e4e56'


def upgrade():
    status = sa.table('operating_status', sa.column('name', sa.String))
    op.bulk_insert(status, [{'name': 'NO_MONITOR'}])
