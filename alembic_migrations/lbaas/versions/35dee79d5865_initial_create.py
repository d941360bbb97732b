"""Create the load balancer tables and their lookup tables."""
from alembic import op
import sqlalchemy as sa

from alembic_migrations.lookup import insert_names

revision = '35dee79d5865'
down_revision = None


def lookup(table, *names):
    op.create_table(
        table,
        sa.Column('name', sa.String(30), primary_key=True),
        sa.Column('description', sa.String(255), nullable=True),
    )
    insert_names(table, names)


def fk(target, name):
    return sa.ForeignKey(target, name=name)


def upgrade():
    lookup('health_monitor_type', 'HTTP', 'HTTPS', 'TCP')
    lookup('protocol', 'HTTP', 'HTTPS', 'TCP')
    lookup('algorithm', 'ROUND_ROBIN', 'LEAST_CONNECTIONS', 'SOURCE_IP')
    lookup('session_persistence_type',
           'SOURCE_IP', 'HTTP_COOKIE', 'APP_COOKIE')
    lookup('provisioning_status', 'ACTIVE', 'PENDING_CREATE',
           'PENDING_UPDATE', 'PENDING_DELETE', 'DELETED', 'ERROR')
    lookup('operating_status', 'ONLINE', 'OFFLINE', 'DEGRADED', 'ERROR')

    op.create_table(
        'pool',
        sa.Column('tenant_id', sa.String(255), nullable=True),
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('protocol', sa.String(16),
                  fk('protocol.name', 'fk_pool_protocol_name'),
                  nullable=False),
        sa.Column('lb_algorithm', sa.String(16),
                  fk('algorithm.name', 'fk_pool_algorithm_name'),
                  nullable=False),
        sa.Column('operating_status', sa.String(16),
                  fk('operating_status.name',
                     'fk_pool_operating_status_name'),
                  nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
    )

    op.create_table(
        'health_monitor',
        sa.Column('pool_id', sa.String(36),
                  fk('pool.id', 'fk_health_monitor_pool_id'),
                  primary_key=True),
        sa.Column('type', sa.String(36),
                  fk('health_monitor_type.name',
                     'fk_health_monitor_health_monitor_type_name'),
                  nullable=False),
        sa.Column('delay', sa.Integer(), nullable=False),
        sa.Column('timeout', sa.Integer(), nullable=False),
        sa.Column('fall_threshold', sa.Integer(), nullable=False),
        sa.Column('rise_threshold', sa.Integer(), nullable=False),
        sa.Column('http_method', sa.String(16), nullable=True),
        sa.Column('url_path', sa.String(255), nullable=True),
        sa.Column('expected_codes', sa.String(64), nullable=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
    )

    op.create_table(
        'session_persistence',
        sa.Column('pool_id', sa.String(36),
                  fk('pool.id', 'fk_session_persistence_pool_id'),
                  primary_key=True),
        sa.Column('type', sa.String(16),
                  fk('session_persistence_type.name',
                     'fk_session_persistence_session_persistence_type_name'),
                  nullable=False),
        sa.Column('cookie_name', sa.String(255), nullable=True),
    )

    op.create_table(
        'member',
        sa.Column('tenant_id', sa.String(255), nullable=True),
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('pool_id', sa.String(36),
                  fk('pool.id', 'fk_member_pool_id'), nullable=False),
        sa.Column('subnet_id', sa.String(36), nullable=True),
        sa.Column('address', sa.String(64), nullable=False),
        sa.Column('protocol_port', sa.Integer(), nullable=False),
        sa.Column('weight', sa.Integer(), nullable=True),
        sa.Column('operating_status', sa.String(16),
                  fk('operating_status.name',
                     'fk_member_operating_status_name'),
                  nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.UniqueConstraint('pool_id', 'address', 'protocol_port',
                            name='uq_member_pool_id_address_protocol_port'),
    )

    op.create_table(
        'load_balancer',
        sa.Column('tenant_id', sa.String(255), nullable=True),
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('provisioning_status', sa.String(16),
                  fk('provisioning_status.name',
                     'fk_load_balancer_provisioning_status_name'),
                  nullable=False),
        sa.Column('operating_status', sa.String(16),
                  fk('operating_status.name',
                     'fk_load_balancer_operating_status_name'),
                  nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
    )

    op.create_table(
        'vip',
        sa.Column('load_balancer_id', sa.String(36),
                  fk('load_balancer.id', 'fk_vip_load_balancer_id'),
                  primary_key=True),
        sa.Column('ip_address', sa.String(36), nullable=True),
        sa.Column('net_port_id', sa.String(36), nullable=True),
        sa.Column('subnet_id', sa.String(36), nullable=True),
        sa.Column('floating_ip_id', sa.String(36), nullable=True),
        sa.Column('floating_ip_network_id', sa.String(36), nullable=True),
    )

    op.create_table(
        'listener',
        sa.Column('tenant_id', sa.String(255), nullable=True),
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('protocol', sa.String(16),
                  fk('protocol.name', 'fk_listener_protocol_name'),
                  nullable=False),
        sa.Column('protocol_port', sa.Integer(), nullable=False),
        sa.Column('connection_limit', sa.Integer(), nullable=True),
        sa.Column('load_balancer_id', sa.String(36),
                  fk('load_balancer.id', 'fk_listener_load_balancer_id'),
                  nullable=True),
        sa.Column('tls_certificate_id', sa.String(36), nullable=True),
        sa.Column('default_pool_id', sa.String(36),
                  fk('pool.id', 'fk_listener_pool_id'), nullable=True),
        sa.Column('provisioning_status', sa.String(16),
                  fk('provisioning_status.name',
                     'fk_listener_provisioning_status_name'),
                  nullable=False),
        sa.Column('operating_status', sa.String(16),
                  fk('operating_status.name',
                     'fk_listener_operating_status_name'),
                  nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.UniqueConstraint('default_pool_id',
                            name='uq_listener_default_pool_id'),
        sa.UniqueConstraint('load_balancer_id', 'protocol_port',
                            name='uq_listener_load_balancer_id_protocol_port'),
    )

    op.create_table(
        'sni',
        sa.Column('listener_id', sa.String(36),
                  fk('listener.id', 'fk_sni_listener_id'),
                  primary_key=True),
        sa.Column('tls_container_id', sa.String(36), primary_key=True),
        sa.Column('position', sa.Integer(), nullable=True),
    )

    op.create_table(
        'listener_statistics',
        sa.Column('listener_id', sa.String(36),
                  fk('listener.id', 'fk_listener_statistics_listener_id'),
                  primary_key=True),
        sa.Column('bytes_in', sa.BigInteger(), nullable=False),
        sa.Column('bytes_out', sa.BigInteger(), nullable=False),
        sa.Column('active_connections', sa.Integer(), nullable=False),
        sa.Column('total_connections', sa.BigInteger(), nullable=False),
    )

    op.create_table(
        'amphora',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('host_id', sa.String(36), nullable=False),
        sa.Column('status', sa.String(36),
                  fk('provisioning_status.name',
                     'fk_container_provisioning_status_name'),
                  nullable=False),
    )

    op.create_table(
        'load_balancer_amphora',
        sa.Column('amphora_id', sa.String(36),
                  fk('amphora.id', 'fk_load_balancer_amphora_id'),
                  primary_key=True),
        sa.Column('load_balancer_id', sa.String(36),
                  fk('load_balancer.id',
                     'fk_load_balancer_amphora_load_balancer_id'),
                  primary_key=True),
    )
