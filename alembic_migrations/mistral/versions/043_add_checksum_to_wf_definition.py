"""Add a checksum column to workflow definitions."""
from alembic import op
import sqlalchemy as sa

revision = '043'
down_revision = '042'


def upgrade():
    # Upstream computes the checksum only when a definition is saved, so
    # existing rows keep NULL here as well.
    op.add_column('workflow_definitions_v2',
                  sa.Column('checksum', sa.String(32), nullable=True))
