"""Track amphora certificate expiry and rotation."""
from alembic import op
import sqlalchemy as sa

revision = '5a3ee5472c31'
down_revision = '3b199c848b96'


def upgrade():
    # SQLite cannot ALTER in a NOT NULL column without a default; copy instead.
    sqlite = op.get_context().dialect.name == 'sqlite'
    recreate = 'always' if sqlite else 'auto'
    with op.batch_alter_table('amphora', recreate=recreate) as batch:
        batch.add_column(sa.Column('cert_expiration',
                                   sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('cert_busy', sa.Boolean(), nullable=False))
