"""Add load balancer topologies and amphora roles for active/standby."""
from alembic import op
import sqlalchemy as sa

from alembic_migrations.lookup import insert_names

revision = '357d17a6d5ac'
down_revision = '298eac0640a7'


def lookup(table, *names):
    op.create_table(
        table,
        sa.Column('name', sa.String(36), primary_key=True),
        sa.Column('description', sa.String(255), nullable=True),
    )
    insert_names(table, names)


def upgrade():
    lookup('lb_topology', 'SINGLE', 'ACTIVE_STANDBY')
    lookup('amphora_roles', 'MASTER', 'BACKUP', 'STANDALONE')
    with op.batch_alter_table('load_balancer') as batch:
        batch.add_column(sa.Column(
            'topology', sa.String(36),
            sa.ForeignKey('lb_topology.name', name='fk_lb_topology_name'),
            nullable=True))
    with op.batch_alter_table('amphora') as batch:
        batch.add_column(sa.Column(
            'role', sa.String(36),
            sa.ForeignKey('amphora_roles.name', name='fk_amphora_roles_name'),
            nullable=True))
