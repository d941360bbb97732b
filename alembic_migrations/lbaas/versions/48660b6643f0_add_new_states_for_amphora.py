"""Add the READY, BOOTING and ALLOCATED provisioning states."""
from alembic import op
import sqlalchemy as sa

revision = '48660b6643f0'
down_revision = '3e5b37a0bdb9'


def upgrade():
    status = sa.table('provisioning_status', sa.column('name', sa.String))
    op.bulk_insert(status, [{'name': 'READY'}, {'name': 'BOOTING'},
                            {'name': 'ALLOCATED'}])
