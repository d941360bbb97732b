"""Tie each amphora to one load balancer and drop the many-to-many table."""
from alembic import op
import sqlalchemy as sa

revision = '4c094013699a'
down_revision = '35dee79d5865'


def upgrade():
    with op.batch_alter_table('amphora') as batch:
        batch.add_column(sa.Column(
            'load_balancer_id', sa.String(36),
            sa.ForeignKey('load_balancer.id',
                          name='fk_amphora_load_balancer_id'),
            nullable=True))
    op.drop_table('load_balancer_amphora')
    with op.batch_alter_table('amphora') as batch:
        batch.drop_constraint('fk_container_provisioning_status_name',
                              type_='foreignkey')
        batch.create_foreign_key('fk_amphora_provisioning_status_name',
                                 'provisioning_status', ['status'], ['name'])
