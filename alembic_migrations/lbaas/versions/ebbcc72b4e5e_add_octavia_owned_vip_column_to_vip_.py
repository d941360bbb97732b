"""Record whether the VIP port belongs to the service."""
from alembic import op
import sqlalchemy as sa

revision = 'ebbcc72b4e5e'
down_revision = '0f242cf02c74'


def upgrade():
    op.add_column('vip', sa.Column('octavia_owned', sa.Boolean()))
