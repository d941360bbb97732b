"""Record the flavor of each load balancer."""
from alembic import op
import sqlalchemy as sa

revision = '211982b05afc'
down_revision = 'b9c703669314'


def upgrade():
    op.add_column('load_balancer', sa.Column('flavor_id', sa.String(36)))
