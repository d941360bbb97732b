"""Pool: CA certificate and CRL container references."""
from alembic import op
import sqlalchemy as sa

revision = '74aae261694c'
down_revision = 'a1f689aecc1d'


def upgrade():
    op.add_column('pool', sa.Column('ca_tls_certificate_id', sa.String(255),
                                    nullable=True))
    op.add_column('pool', sa.Column('crl_container_id', sa.String(255),
                                    nullable=True))
