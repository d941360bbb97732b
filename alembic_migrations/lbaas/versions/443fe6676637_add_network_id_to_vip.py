"""Record the VIP's network."""
from alembic import op
import sqlalchemy as sa

revision = '443fe6676637'
down_revision = '3f8ff3be828e'


def upgrade():
    op.add_column('vip', sa.Column('network_id', sa.String(36), nullable=True))
