"""Let members be monitored on another address and port."""
from alembic import op
import sqlalchemy as sa

revision = '27e54d00c3cd'
down_revision = '5309960964f8'


def upgrade():
    op.add_column('member', sa.Column('monitor_address', sa.String(64)))
    op.add_column('member', sa.Column('monitor_port', sa.Integer()))
