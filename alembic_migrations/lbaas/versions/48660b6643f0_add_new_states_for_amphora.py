"""Add the READY, BOOTING and ALLOCATED provisioning states."""
from alembic_migrations.lookup import insert_names

revision = '48660b6643f0'
down_revision = '3e5b37a0bdb9'


def upgrade():
    insert_names('provisioning_status', ['READY', 'BOOTING', 'ALLOCATED'])
