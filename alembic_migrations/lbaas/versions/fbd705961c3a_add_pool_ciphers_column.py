"""Pool: TLS cipher list."""
from alembic import op
import sqlalchemy as sa

revision = 'fbd705961c3a'
down_revision = '7c36b277bfb0'


def upgrade():
    op.add_column('pool', sa.Column('tls_ciphers', sa.String(2048),
                                    nullable=True))
