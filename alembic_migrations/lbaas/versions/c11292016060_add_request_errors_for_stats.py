"""Count request errors in listener_statistics."""
import sqlalchemy as sa

from alembic_migrations.columns import add_not_null

revision = 'c11292016060'
down_revision = '9b5473976d6d'


def upgrade():
    add_not_null('listener_statistics', 'request_errors', sa.BigInteger(), '0')
