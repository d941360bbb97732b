"""Create availability zones and their profiles, with placeholders."""
from alembic import op
import sqlalchemy as sa

NIL_UUID = '00000000-0000-0000-0000-000000000000'

revision = 'c761c8a71579'
down_revision = 'e37941b010db'


def upgrade():
    profile = op.create_table(
        'availability_zone_profile',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('provider_name', sa.String(255), nullable=False),
        sa.Column('availability_zone_data', sa.String(4096), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.execute(profile.insert().from_select(
        ['id', 'name', 'provider_name', 'availability_zone_data'],
        sa.select(sa.literal(NIL_UUID), sa.literal('DELETED-PLACEHOLDER'),
                  sa.literal('DELETED'), sa.literal('{}')).where(
            ~sa.exists().where(profile.c.id == NIL_UUID))))

    zone = op.create_table(
        'availability_zone',
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('availability_zone_profile_id', sa.String(36),
                  nullable=False),
        sa.ForeignKeyConstraint(['availability_zone_profile_id'],
                                ['availability_zone_profile.id'],
                                name='fk_az_az_profile_id'),
        sa.PrimaryKeyConstraint('name'))
    op.execute(zone.insert().from_select(
        ['name', 'description', 'enabled', 'availability_zone_profile_id'],
        sa.select(sa.literal(NIL_UUID),
                  sa.literal('Placeholder for DELETED LBs with DELETED '
                             'availability zones'),
                  sa.false(), sa.literal(NIL_UUID)).where(
            ~sa.exists().where(zone.c.name == NIL_UUID))))
