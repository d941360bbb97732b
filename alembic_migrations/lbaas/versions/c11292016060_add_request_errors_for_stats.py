"""Count request errors in listener_statistics."""
from alembic import op
import sqlalchemy as sa

revision = 'c11292016060'
down_revision = '9b5473976d6d'


def upgrade():
    # Upstream adds the column NOT NULL without a server default. MySQL
    # fills the rows already there with 0; PostgreSQL and SQLite refuse, so
    # they get 0 through a default that is dropped again (the schema stays
    # upstream's; SQLite drops it by copying the table).
    if op.get_context().dialect.name in ('mysql', 'mariadb'):
        op.add_column('listener_statistics',
                      sa.Column('request_errors', sa.BigInteger(), nullable=False))
        return
    op.add_column('listener_statistics',
                  sa.Column('request_errors', sa.BigInteger(), nullable=False,
                            server_default='0'))
    with op.batch_alter_table('listener_statistics') as batch:
        batch.alter_column('request_errors', existing_type=sa.BigInteger(),
                           existing_nullable=False, server_default=None)
