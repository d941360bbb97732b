"""Add timestamps and operating status to health monitors."""
from alembic import op
import sqlalchemy as sa

revision = '52377704420e'
down_revision = 'd85ca7258d21'


def upgrade():
    op.add_column('health_monitor', sa.Column('created_at', sa.DateTime()))
    op.add_column('health_monitor', sa.Column('updated_at', sa.DateTime()))
    # The default only fills existing rows.
    op.add_column('health_monitor',
                  sa.Column('operating_status', sa.String(16),
                            nullable=False, server_default='ONLINE'))
    with op.batch_alter_table('health_monitor') as batch:
        batch.alter_column('operating_status', existing_type=sa.String(16),
                           existing_nullable=False, server_default=None)
        batch.create_foreign_key('fk_health_monitor_operating_status_name',
                                 'operating_status',
                                 ['operating_status'], ['name'])
