"""Add the processing flag to delayed calls."""
from alembic import op
import sqlalchemy as sa

revision = '006'
down_revision = '005'


def upgrade():
    # Upstream adds the column NOT NULL without a server default. MySQL
    # fills the rows already there with false; PostgreSQL refuses when the
    # table holds rows, so it gets false through a default that is dropped
    # again (the schema stays upstream's). SQLite refuses to add a NOT NULL
    # column without a default at all, so it alone keeps false.
    dialect = op.get_context().dialect.name
    default = None if dialect == 'mysql' else sa.false()
    op.add_column('delayed_calls_v2',
                  sa.Column('processing', sa.Boolean(), nullable=False,
                            server_default=default))
    if dialect == 'postgresql':
        op.alter_column('delayed_calls_v2', 'processing', server_default=None)
