"""Add the management network address to amphora."""
from alembic import op
import sqlalchemy as sa

revision = '256852d5ff7c'
down_revision = '14892634e228'


def upgrade():
    op.add_column('amphora',
                  sa.Column('lb_network_ip', sa.String(64), nullable=True))
