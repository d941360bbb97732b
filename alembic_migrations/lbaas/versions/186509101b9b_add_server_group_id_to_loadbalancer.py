"""Record the Nova server group of a load balancer."""
from alembic import op
import sqlalchemy as sa

revision = '186509101b9b'
down_revision = '458c9ee2a011'


def upgrade():
    op.add_column('load_balancer',
                  sa.Column('server_group_id', sa.String(36), nullable=True))
