"""VIP: Neutron vnic_type of its port."""
from alembic import op
import sqlalchemy as sa

revision = 'db2a73e82626'
down_revision = '632152d2d32e'


def upgrade():
    op.add_column('vip', sa.Column('vnic_type', sa.String(64), nullable=False,
                                   server_default='normal'))
