"""Create additional_vip: extra VIPs of a load balancer."""
from alembic import op
import sqlalchemy as sa

revision = '31f7653ded67'
down_revision = '6ac558d7fc21'


def upgrade():
    # The key makes subnet_id NOT NULL on MySQL and PostgreSQL; SQLite lets a
    # key column hold NULL unless told otherwise.
    sqlite = op.get_context().dialect.name == 'sqlite'
    op.create_table(
        'additional_vip',
        sa.Column('load_balancer_id', sa.String(36), nullable=False,
                  index=True),
        sa.Column('ip_address', sa.String(64), nullable=True),
        sa.Column('port_id', sa.String(36), nullable=True),
        sa.Column('subnet_id', sa.String(36), nullable=not sqlite),
        sa.Column('network_id', sa.String(36), nullable=True),
        sa.ForeignKeyConstraint(['load_balancer_id'], ['load_balancer.id'],
                                name='fk_add_vip_load_balancer_id'),
        sa.PrimaryKeyConstraint('load_balancer_id', 'subnet_id',
                                name='pk_add_vip_load_balancer_subnet'))
