"""Record the VIP's QoS policy."""
from alembic import op
import sqlalchemy as sa

revision = '0aee2b450512'
down_revision = 'bf171d0d91c3'


def upgrade():
    op.add_column('vip', sa.Column('qos_policy_id', sa.String(36)))
