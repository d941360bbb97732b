"""Allow the PROXY protocol on pools."""
from alembic import op

revision = '5309960964f8'
down_revision = '52377704420e'


def upgrade():
    op.execute("INSERT INTO protocol (name) SELECT 'PROXY' WHERE NOT EXISTS "
               "(SELECT 1 FROM protocol WHERE name = 'PROXY')")
