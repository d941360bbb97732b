"""Add the resource tags table."""
from alembic import op
import sqlalchemy as sa

revision = '80dba23a159f'
down_revision = '55874a4ceed6'


def upgrade():
    op.create_table(
        'tags',
        sa.Column('resource_id', sa.String(36), primary_key=True),
        sa.Column('tag', sa.String(255), primary_key=True, index=True),
    )
