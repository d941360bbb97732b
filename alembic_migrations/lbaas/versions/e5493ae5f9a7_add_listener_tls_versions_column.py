"""Listener: allowed TLS versions."""
from alembic import op
import sqlalchemy as sa

revision = 'e5493ae5f9a7'
down_revision = 'fbd705961c3a'


def upgrade():
    op.add_column('listener', sa.Column('tls_versions', sa.String(512),
                                        nullable=True))
