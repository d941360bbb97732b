"""Record the certificate a pool presents to its members."""
from alembic import op
import sqlalchemy as sa

revision = 'a1f689aecc1d'
down_revision = '1afc932f1ca2'


def upgrade():
    op.add_column('pool', sa.Column('tls_certificate_id', sa.String(255)))
