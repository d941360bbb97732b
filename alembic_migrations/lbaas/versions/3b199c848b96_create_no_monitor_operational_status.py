"""Add the NO_MONITOR operating status."""
from alembic_migrations.lookup import insert_names

revision = '3b199c848b96'
down_revision = '543f5d8e4e56'


def upgrade():
    insert_names('operating_status', ['NO_MONITOR'])
