"""Record each load balancer's provider; existing ones are amphora."""
from alembic import op
import sqlalchemy as sa

revision = '0f242cf02c74'
down_revision = '0fd2c131923f'


def upgrade():
    op.add_column('load_balancer', sa.Column('provider', sa.String(64)))
    op.execute("UPDATE load_balancer SET provider = 'amphora' "
               "WHERE provider IS NULL")
