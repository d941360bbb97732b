"""Rename tenant_id to project_id and give health monitors one."""
from alembic import op
import sqlalchemy as sa

revision = '6abb04f24c5'
down_revision = '1e4c1d83044c'


def upgrade():
    # MySQL's CHANGE COLUMN restates the given type, narrowing the columns to
    # VARCHAR(36) as upstream's did; PostgreSQL only renames them.
    for table in ('load_balancer', 'listener', 'pool', 'member'):
        with op.batch_alter_table(table) as batch:
            batch.alter_column('tenant_id', new_column_name='project_id',
                               existing_type=sa.String(36))
    op.add_column('health_monitor',
                  sa.Column('project_id', sa.String(36), nullable=True))
