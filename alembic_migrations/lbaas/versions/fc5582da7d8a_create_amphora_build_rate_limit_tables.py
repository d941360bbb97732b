"""Add the amphora build slot and build request tables."""
from alembic import op
import sqlalchemy as sa

revision = 'fc5582da7d8a'
down_revision = '443fe6676637'


def upgrade():
    op.create_table(
        'amphora_build_slots',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('slots_used', sa.Integer()),
    )
    op.execute("INSERT INTO amphora_build_slots (id, slots_used) SELECT 1, 0 "
               "WHERE NOT EXISTS (SELECT 1 FROM amphora_build_slots "
               "WHERE id = 1)")
    op.create_table(
        'amphora_build_request',
        sa.Column('amphora_id', sa.String(36), primary_key=True),
        sa.Column('priority', sa.Integer()),
        sa.Column('created_time', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
    )
