"""Rename the vip port and subnet columns and drop its floating IP columns."""
from alembic import op
import sqlalchemy as sa

revision = '14892634e228'
down_revision = '3a1e1cdb7b27'


def upgrade():
    with op.batch_alter_table('vip') as batch:
        batch.alter_column('subnet_id', new_column_name='network_id',
                           existing_type=sa.String(36))
        batch.alter_column('net_port_id', new_column_name='port_id',
                           existing_type=sa.String(36))
        batch.drop_column('floating_ip_id')
        batch.drop_column('floating_ip_network_id')
