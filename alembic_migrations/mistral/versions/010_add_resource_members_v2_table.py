"""Create resource_members_v2 for sharing resources between projects."""
from alembic import op
import sqlalchemy as sa

revision = '010'
down_revision = '009'


def upgrade():
    op.create_table(
        'resource_members_v2',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('project_id', sa.String(80), nullable=False),
        sa.Column('member_id', sa.String(80), nullable=False),
        sa.Column('resource_id', sa.String(80), nullable=False),
        sa.Column('resource_type', sa.String(50), nullable=False),
        sa.Column('status', sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('resource_id', 'resource_type', 'member_id'),
    )
