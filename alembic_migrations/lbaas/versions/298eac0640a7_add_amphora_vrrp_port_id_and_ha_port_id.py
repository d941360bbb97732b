"""Add the VRRP and HA port ids to amphora."""
from alembic import op
import sqlalchemy as sa

revision = '298eac0640a7'
down_revision = '4fe8240425b4'


def upgrade():
    op.add_column('amphora',
                  sa.Column('vrrp_port_id', sa.String(36), nullable=True))
    op.add_column('amphora',
                  sa.Column('ha_port_id', sa.String(36), nullable=True))
