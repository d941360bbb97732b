"""Rename amphora.host_id to compute_id and make it optional."""
from alembic import op
import sqlalchemy as sa

revision = '3a1e1cdb7b27'
down_revision = '4faaa983e7a9'


def upgrade():
    with op.batch_alter_table('amphora') as batch:
        batch.alter_column('host_id', new_column_name='compute_id',
                           existing_type=sa.String(36), nullable=True)
