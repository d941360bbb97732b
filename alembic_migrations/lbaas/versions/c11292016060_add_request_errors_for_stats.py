"""Count request errors in listener_statistics."""
from alembic import op
import sqlalchemy as sa

revision = 'c11292016060'
down_revision = '9b5473976d6d'


def upgrade():
    # SQLite cannot ALTER in a NOT NULL column without a default; copy instead.
    sqlite = op.get_context().dialect.name == 'sqlite'
    recreate = 'always' if sqlite else 'auto'
    with op.batch_alter_table('listener_statistics',
                              recreate=recreate) as batch:
        batch.add_column(sa.Column('request_errors', sa.BigInteger(),
                                   nullable=False))
