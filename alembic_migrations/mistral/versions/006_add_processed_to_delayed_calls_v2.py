"""Add the processing flag to delayed calls."""
from alembic import op
import sqlalchemy as sa

revision = '006'
down_revision = '005'


def upgrade():
    # No server default, as upstream; SQLite refuses to add a NOT NULL
    # column without one, so it alone gets false.
    default = None
    if op.get_context().dialect.name == 'sqlite':
        default = sa.false()
    op.add_column('delayed_calls_v2',
                  sa.Column('processing', sa.Boolean(), nullable=False,
                            server_default=default))
