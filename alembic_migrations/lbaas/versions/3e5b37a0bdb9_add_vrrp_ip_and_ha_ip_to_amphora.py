"""Add the VRRP and HA addresses to amphora."""
from alembic import op
import sqlalchemy as sa

revision = '3e5b37a0bdb9'
down_revision = '92fe9857279'


def upgrade():
    op.add_column('amphora',
                  sa.Column('vrrp_ip', sa.String(64), nullable=True))
    op.add_column('amphora',
                  sa.Column('ha_ip', sa.String(64), nullable=True))
