"""Add the busy flag to amphora_health."""
from alembic import op
import sqlalchemy as sa

revision = '543f5d8e4e56'
down_revision = '2351ea316465'


def upgrade():
    # SQLite cannot ALTER in a NOT NULL column without a default; copy instead.
    sqlite = op.get_context().dialect.name == 'sqlite'
    recreate = 'always' if sqlite else 'auto'
    with op.batch_alter_table('amphora_health', recreate=recreate) as batch:
        batch.add_column(sa.Column('busy', sa.Boolean(), nullable=False))
