"""Add the flavor and flavor profile tables."""
from alembic import op
import sqlalchemy as sa

revision = 'b9c703669314'
down_revision = '4f65b4f91c39'


def upgrade():
    op.create_table(
        'flavor_profile',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('provider_name', sa.String(255), nullable=False),
        sa.Column('flavor_data', sa.String(4096), nullable=False),
    )
    op.create_table(
        'flavor',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.String(255)),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('flavor_profile_id', sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(['flavor_profile_id'], ['flavor_profile.id'],
                                name='fk_flavor_flavor_profile_id'),
        sa.UniqueConstraint('name', name='uq_flavor_name'),
    )
