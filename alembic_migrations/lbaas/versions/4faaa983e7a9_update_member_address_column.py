"""Rename member.address to ip_address."""
from alembic import op
import sqlalchemy as sa

revision = '4faaa983e7a9'
down_revision = '13500e2e978d'


def upgrade():
    # Nullability is left unstated on purpose: MySQL's CHANGE COLUMN then
    # restates the column as NULL, as upstream's did; PostgreSQL only renames.
    with op.batch_alter_table('member') as batch:
        batch.alter_column('address', new_column_name='ip_address',
                           existing_type=sa.String(64))
