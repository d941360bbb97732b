"""Member: Neutron vnic_type of its port."""
from alembic import op
import sqlalchemy as sa

revision = '8db7a6443785'
down_revision = '3097e55493ae'


def upgrade():
    op.add_column('member', sa.Column('vnic_type', sa.String(64),
                                      nullable=False,
                                      server_default='normal'))
