"""Create amphora_health for the health manager's heartbeats."""
from alembic import op
import sqlalchemy as sa

revision = '92fe9857279'
down_revision = '256852d5ff7c'


def upgrade():
    op.create_table(
        'amphora_health',
        sa.Column('amphora_id', sa.String(36), primary_key=True),
        sa.Column('last_update', sa.DateTime(timezone=True), nullable=False),
    )
