"""Health monitor: HTTP version and Host header."""
from alembic import op
import sqlalchemy as sa

revision = '7432f1d4ea83'
down_revision = '6742ca1b27c2'


def upgrade():
    op.add_column('health_monitor', sa.Column('http_version', sa.Float(),
                                              nullable=True))
    op.add_column('health_monitor', sa.Column('domain_name', sa.String(255),
                                              nullable=True))
