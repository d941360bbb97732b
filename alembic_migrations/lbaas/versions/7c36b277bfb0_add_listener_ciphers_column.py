"""Listener: TLS cipher list."""
from alembic import op
import sqlalchemy as sa

revision = '7c36b277bfb0'
down_revision = '8ac4ed24df3a'


def upgrade():
    op.add_column('listener', sa.Column('tls_ciphers', sa.String(2048),
                                        nullable=True))
