"""Widen the VIP address to hold IPv6."""
from alembic import op
import sqlalchemy as sa

revision = '11e4bb2bb8ef'
down_revision = '211982b05afc'


def upgrade():
    with op.batch_alter_table('vip') as batch:
        batch.alter_column('ip_address', type_=sa.String(64),
                           existing_type=sa.String(36), existing_nullable=True)
