"""Restate sni.tls_container_id as VARCHAR(128) NOT NULL."""
from alembic import op
import sqlalchemy as sa

revision = '62816c232310'
down_revision = '36b94648fef8'


def upgrade():
    # Repeats 8c0851bdf6c3 for databases that ran an earlier form of it.
    with op.batch_alter_table('sni') as batch:
        batch.alter_column('tls_container_id', type_=sa.String(128),
                           existing_type=sa.String(36), nullable=False)
