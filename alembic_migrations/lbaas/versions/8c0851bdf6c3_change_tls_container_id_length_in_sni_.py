"""Widen sni.tls_container_id to 128 characters."""
from alembic import op
import sqlalchemy as sa

revision = '8c0851bdf6c3'
down_revision = '186509101b9b'


def upgrade():
    with op.batch_alter_table('sni') as batch:
        batch.alter_column('tls_container_id', type_=sa.String(128),
                           existing_type=sa.String(36), nullable=False)
