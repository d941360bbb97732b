"""Shrink two unique string columns to 255 so InnoDB can index them."""
from alembic import op
import sqlalchemy as sa

revision = '025'
down_revision = '024'


def upgrade():
    with op.batch_alter_table('task_executions_v2') as batch:
        batch.alter_column('unique_key', type_=sa.String(255))
    with op.batch_alter_table('named_locks') as batch:
        batch.alter_column('name', type_=sa.String(255))
