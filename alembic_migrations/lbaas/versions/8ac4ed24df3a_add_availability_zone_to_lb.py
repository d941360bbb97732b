"""Load balancer: availability_zone, a key to availability_zone."""
from alembic import op
import sqlalchemy as sa

revision = '8ac4ed24df3a'
down_revision = 'c761c8a71579'


def upgrade():
    op.add_column('load_balancer', sa.Column('availability_zone',
                                             sa.String(255), nullable=True))
    with op.batch_alter_table('load_balancer') as batch:
        batch.create_foreign_key('fk_load_balancer_availability_zone_name',
                                 'availability_zone', ['availability_zone'],
                                 ['name'])
