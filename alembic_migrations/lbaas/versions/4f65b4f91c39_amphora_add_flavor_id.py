"""Record the compute flavor of each amphora."""
from alembic import op
import sqlalchemy as sa

revision = '4f65b4f91c39'
down_revision = '80dba23a159f'


def upgrade():
    op.add_column('amphora', sa.Column('compute_flavor', sa.String(255)))
