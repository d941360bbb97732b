"""Record the client CA certificate of each listener."""
from alembic import op
import sqlalchemy as sa

revision = '2ad093f6353f'
down_revision = '11e4bb2bb8ef'


def upgrade():
    op.add_column('listener', sa.Column('client_ca_tls_certificate_id',
                                        sa.String(255)))
