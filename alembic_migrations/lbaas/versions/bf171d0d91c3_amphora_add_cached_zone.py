"""Cache the amphora's availability zone."""
from alembic import op
import sqlalchemy as sa

revision = 'bf171d0d91c3'
down_revision = '4aeb9e23ad43'


def upgrade():
    op.add_column('amphora', sa.Column('cached_zone', sa.String(255)))
