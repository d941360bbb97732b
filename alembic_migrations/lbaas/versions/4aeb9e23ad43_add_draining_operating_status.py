"""Add the DRAINING operating status."""
from alembic import op

revision = '4aeb9e23ad43'
down_revision = 'e6672bda93bf'


def upgrade():
    op.execute("INSERT INTO operating_status (name) SELECT 'DRAINING' "
               "WHERE NOT EXISTS (SELECT 1 FROM operating_status "
               "WHERE name = 'DRAINING')")
