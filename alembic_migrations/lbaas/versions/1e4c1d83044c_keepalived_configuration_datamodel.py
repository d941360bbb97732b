"""Add the keepalived VRRP groups, auth methods and amphora VRRP settings."""
from alembic import op
import sqlalchemy as sa

from alembic_migrations.lookup import insert_names

revision = '1e4c1d83044c'
down_revision = '5a3ee5472c31'


def upgrade():
    op.create_table(
        'vrrp_auth_method',
        sa.Column('name', sa.String(36), primary_key=True),
        sa.Column('description', sa.String(255), nullable=True),
    )
    insert_names('vrrp_auth_method', ['PASS', 'AH'])

    op.create_table(
        'vrrp_group',
        sa.Column('load_balancer_id', sa.String(36),
                  sa.ForeignKey('load_balancer.id',
                                name='fk_vrrp_group_load_balancer_id'),
                  primary_key=True),
        sa.Column('vrrp_group_name', sa.String(36), nullable=True),
        sa.Column('vrrp_auth_type', sa.String(16),
                  sa.ForeignKey('vrrp_auth_method.name',
                                name='fk_load_balancer_vrrp_auth_method_name'),
                  nullable=True),
        sa.Column('vrrp_auth_pass', sa.String(36), nullable=True),
        sa.Column('advert_int', sa.Integer(), nullable=True),
    )

    op.add_column('listener',
                  sa.Column('peer_port', sa.Integer(), nullable=True))
    op.add_column('amphora',
                  sa.Column('vrrp_interface', sa.String(16), nullable=True))
    op.add_column('amphora', sa.Column('vrrp_id', sa.Integer(), nullable=True))
    op.add_column('amphora',
                  sa.Column('vrrp_priority', sa.Integer(), nullable=True))
