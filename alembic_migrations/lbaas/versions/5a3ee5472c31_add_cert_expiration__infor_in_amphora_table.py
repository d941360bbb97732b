"""Track amphora certificate expiry and rotation."""
from alembic import op
import sqlalchemy as sa

revision = '5a3ee5472c31'
down_revision = '3b199c848b96'


def upgrade():
    op.add_column('amphora', sa.Column('cert_expiration', sa.DateTime(timezone=True),
                                       nullable=True))
    # Upstream adds cert_busy NOT NULL without a server default. MySQL fills
    # the rows already there with false; PostgreSQL and SQLite refuse, so
    # they get false through a default that is dropped again (the schema
    # stays upstream's; SQLite drops it by copying the table).
    if op.get_context().dialect.name in ('mysql', 'mariadb'):
        op.add_column('amphora', sa.Column('cert_busy', sa.Boolean(), nullable=False))
        return
    op.add_column('amphora', sa.Column('cert_busy', sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    with op.batch_alter_table('amphora') as batch:
        batch.alter_column('cert_busy', existing_type=sa.Boolean(), existing_nullable=False,
                           server_default=None)
