"""Add the busy flag to amphora_health."""
from alembic import op
import sqlalchemy as sa

revision = '543f5d8e4e56'
down_revision = '2351ea316465'


def upgrade():
    # Upstream adds the column NOT NULL without a server default. MySQL
    # fills the rows already there with false; PostgreSQL and SQLite refuse,
    # so they get false through a default that is dropped again (the schema
    # stays upstream's; SQLite drops it by copying the table).
    if op.get_context().dialect.name in ('mysql', 'mariadb'):
        op.add_column('amphora_health', sa.Column('busy', sa.Boolean(), nullable=False))
        return
    op.add_column('amphora_health', sa.Column('busy', sa.Boolean(), nullable=False,
                                              server_default=sa.false()))
    with op.batch_alter_table('amphora_health') as batch:
        batch.alter_column('busy', existing_type=sa.Boolean(), existing_nullable=False,
                           server_default=None)
