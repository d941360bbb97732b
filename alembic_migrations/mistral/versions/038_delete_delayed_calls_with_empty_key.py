"""Delete the duplicate delayed calls that have no key."""
from alembic import op
import sqlalchemy as sa

revision = '038'
down_revision = '037'


def upgrade():
    calls = sa.table('delayed_calls_v2', sa.column('key'))
    op.execute(calls.delete().where(calls.c.key.is_(None)))
