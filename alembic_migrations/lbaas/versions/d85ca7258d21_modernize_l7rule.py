"""Add timestamps, project, enabled flag and operating status to L7 rules."""
from alembic import op
import sqlalchemy as sa

revision = 'd85ca7258d21'
down_revision = '034b2dc2f3e0'


def upgrade():
    op.add_column('l7rule', sa.Column('created_at', sa.DateTime()))
    op.add_column('l7rule', sa.Column('updated_at', sa.DateTime()))
    op.add_column('l7rule', sa.Column('project_id', sa.String(36)))
    op.add_column('l7rule', sa.Column('enabled', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    # The default only fills existing rows.
    op.add_column('l7rule', sa.Column('operating_status', sa.String(16),
                                      nullable=False,
                                      server_default='ONLINE'))
    with op.batch_alter_table('l7rule') as batch:
        batch.alter_column('operating_status', existing_type=sa.String(16),
                           existing_nullable=False, server_default=None)
        batch.create_foreign_key('fk_l7rule_operating_status_name',
                                 'operating_status',
                                 ['operating_status'], ['name'])
