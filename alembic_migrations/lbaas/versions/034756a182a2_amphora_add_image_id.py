"""Record the image an amphora was booted from."""
from alembic import op
import sqlalchemy as sa

revision = '034756a182a2'
down_revision = '10d38216ad34'


def upgrade():
    op.add_column('amphora', sa.Column('image_id', sa.String(36)))
