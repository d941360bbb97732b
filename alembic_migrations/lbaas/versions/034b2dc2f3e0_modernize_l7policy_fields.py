"""Modernise L7 policies and make provisioning status mandatory."""
from alembic import op
import sqlalchemy as sa

revision = '034b2dc2f3e0'
down_revision = 'fac584114642'


def upgrade():
    op.add_column('l7policy', sa.Column('created_at', sa.DateTime()))
    op.add_column('l7policy', sa.Column('updated_at', sa.DateTime()))
    op.add_column('l7policy', sa.Column('project_id', sa.String(36)))
    # The default only fills existing rows.
    op.add_column('l7policy', sa.Column('operating_status', sa.String(16),
                                        nullable=False,
                                        server_default='ONLINE'))
    with op.batch_alter_table('l7policy') as batch:
        batch.alter_column('operating_status', existing_type=sa.String(16),
                           existing_nullable=False, server_default=None)
        batch.create_foreign_key('fk_l7policy_operating_status_name',
                                 'operating_status',
                                 ['operating_status'], ['name'])

    for table in ('health_monitor', 'l7policy', 'l7rule', 'member', 'pool'):
        fk = 'fk_%s_provisioning_status_name' % table
        # NULLs would make the NOT NULL change fail; ACTIVE is the value the
        # service meant them to take.
        rows = sa.table(table, sa.column('provisioning_status', sa.String))
        op.execute(rows.update()
                   .where(rows.c.provisioning_status.is_(None))
                   .values(provisioning_status='ACTIVE'))
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(fk, type_='foreignkey')
            batch.alter_column('provisioning_status',
                               existing_type=sa.String(16), nullable=False)
            batch.create_foreign_key(fk, 'provisioning_status',
                                     ['provisioning_status'], ['name'])
