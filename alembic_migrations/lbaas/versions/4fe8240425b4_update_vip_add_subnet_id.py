"""Rename vip.network_id back to subnet_id."""
from alembic import op
import sqlalchemy as sa

revision = '4fe8240425b4'
down_revision = '48660b6643f0'


def upgrade():
    with op.batch_alter_table('vip') as batch:
        batch.alter_column('network_id', new_column_name='subnet_id',
                           existing_type=sa.String(36))
