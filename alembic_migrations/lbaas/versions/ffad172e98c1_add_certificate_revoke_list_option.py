"""Record the client certificate revocation list of each listener."""
from alembic import op
import sqlalchemy as sa

revision = 'ffad172e98c1'
down_revision = 'f21ae3f21adc'


def upgrade():
    op.add_column('listener', sa.Column('client_crl_container_id',
                                        sa.String(255)))
