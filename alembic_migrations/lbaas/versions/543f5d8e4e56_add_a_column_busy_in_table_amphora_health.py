"""Add the busy flag to amphora_health."""
import sqlalchemy as sa

from alembic_migrations.columns import add_not_null

revision = '543f5d8e4e56'
down_revision = '2351ea316465'


def upgrade():
    add_not_null('amphora_health', 'busy', sa.Boolean(), sa.false())
