"""Pool: ALPN protocol list."""
from alembic import op
import sqlalchemy as sa

revision = 'be9fdc039b51'
down_revision = '8b47b2546312'


def upgrade():
    op.add_column('pool', sa.Column('alpn_protocols', sa.String(512),
                                    nullable=True))
