"""L7 rules are enabled by default."""
from alembic import op
import sqlalchemy as sa

revision = 'b8bd389cbae7'
down_revision = 'be9fdc039b51'


def upgrade():
    with op.batch_alter_table('l7rule') as batch:
        batch.alter_column('enabled', existing_type=sa.Boolean(),
                           existing_nullable=False,
                           server_default=sa.true())
