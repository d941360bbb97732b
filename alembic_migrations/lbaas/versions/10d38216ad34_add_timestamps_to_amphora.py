"""Add creation and update times to amphorae."""
from alembic import op
import sqlalchemy as sa

revision = '10d38216ad34'
down_revision = '0aee2b450512'


def upgrade():
    op.add_column('amphora', sa.Column('created_at', sa.DateTime()))
    op.add_column('amphora', sa.Column('updated_at', sa.DateTime()))
