"""Pool: allowed TLS versions."""
from alembic import op
import sqlalchemy as sa

revision = 'd3c8a090f3de'
down_revision = 'e5493ae5f9a7'


def upgrade():
    op.add_column('pool', sa.Column('tls_versions', sa.String(512),
                                    nullable=True))
