"""The lbaas schema at head (fabf4983846b) as plain SQLAlchemy Core tables.

This is what the 95 lbaas revisions build, not what the service's ORM
declares: where the two disagree the migrated database is the truth.
Autogenerate compares it with a migrated database, so every name, type,
nullability and column order below is the one the chain leaves behind.

Indexes: MySQL adds an index for each foreign key that has none to use, named
after the constraint (or after the column when the constraint is unnamed).
Alembic's MySQL comparison ignores those, and PostgreSQL and SQLite never
create them, so only the indexes the chain creates explicitly are declared,
plus ``fk_listener_statistic_amphora_id``, which outlived its foreign key.
"""
import sqlalchemy as sa

metadata = sa.MetaData()


def _lookup(table_name, name_length, with_description=True):
    columns = [sa.Column('name', sa.String(name_length), primary_key=True)]
    if with_description:
        columns.append(sa.Column('description', sa.String(255), nullable=True))
    return sa.Table(table_name, metadata, *columns)


def _fk(column, target, name=None):
    """A one-column foreign key constraint; ``name=None`` keeps it unnamed."""
    return sa.ForeignKeyConstraint([column], [target], name=name)


# Lookup tables: one row per allowed value, seeded by populate.py.
algorithm = _lookup('algorithm', 255)
amphora_roles = _lookup('amphora_roles', 36)
client_authentication_mode = _lookup('client_authentication_mode', 10,
                                     with_description=False)
health_monitor_type = _lookup('health_monitor_type', 30)
l7policy_action = _lookup('l7policy_action', 36)
l7rule_compare_type = _lookup('l7rule_compare_type', 36)
l7rule_type = _lookup('l7rule_type', 36)
lb_topology = _lookup('lb_topology', 36)
operating_status = _lookup('operating_status', 30)
protocol = _lookup('protocol', 30)
provisioning_status = _lookup('provisioning_status', 30)
session_persistence_type = _lookup('session_persistence_type', 30)
vrrp_auth_method = _lookup('vrrp_auth_method', 36)


flavor_profile = sa.Table(
    'flavor_profile', metadata,
    sa.Column('id', sa.String(36), primary_key=True),
    sa.Column('name', sa.String(255), nullable=False),
    sa.Column('provider_name', sa.String(255), nullable=False),
    sa.Column('flavor_data', sa.String(4096), nullable=False),
)

flavor = sa.Table(
    'flavor', metadata,
    sa.Column('id', sa.String(36), primary_key=True),
    sa.Column('name', sa.String(255), nullable=False),
    sa.Column('description', sa.String(255), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('flavor_profile_id', sa.String(36), nullable=False),
    sa.UniqueConstraint('name', name='uq_flavor_name'),
    _fk('flavor_profile_id', 'flavor_profile.id',
        'fk_flavor_flavor_profile_id'),
)

availability_zone_profile = sa.Table(
    'availability_zone_profile', metadata,
    sa.Column('id', sa.String(36), primary_key=True),
    sa.Column('name', sa.String(255), nullable=False),
    sa.Column('provider_name', sa.String(255), nullable=False),
    sa.Column('availability_zone_data', sa.String(4096), nullable=False),
)

availability_zone = sa.Table(
    'availability_zone', metadata,
    sa.Column('name', sa.String(255), primary_key=True),
    sa.Column('description', sa.String(255), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('availability_zone_profile_id', sa.String(36), nullable=False),
    _fk('availability_zone_profile_id', 'availability_zone_profile.id',
        'fk_az_az_profile_id'),
)


load_balancer = sa.Table(
    'load_balancer', metadata,
    sa.Column('project_id', sa.String(36), nullable=True),
    sa.Column('id', sa.String(36), primary_key=True),
    sa.Column('name', sa.String(255), nullable=True),
    sa.Column('description', sa.String(255), nullable=True),
    sa.Column('provisioning_status', sa.String(16), nullable=False),
    sa.Column('operating_status', sa.String(16), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('topology', sa.String(36), nullable=True),
    sa.Column('server_group_id', sa.String(36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('provider', sa.String(64), nullable=True),
    sa.Column('flavor_id', sa.String(36), nullable=True),
    sa.Column('availability_zone', sa.String(255), nullable=True),
    _fk('provisioning_status', 'provisioning_status.name',
        'fk_load_balancer_provisioning_status_name'),
    _fk('operating_status', 'operating_status.name',
        'fk_load_balancer_operating_status_name'),
    _fk('topology', 'lb_topology.name', 'fk_lb_topology_name'),
    _fk('flavor_id', 'flavor.id', 'fk_loadbalancer_flavor_id'),
    _fk('availability_zone', 'availability_zone.name',
        'fk_load_balancer_availability_zone_name'),
)

vip = sa.Table(
    'vip', metadata,
    sa.Column('load_balancer_id', sa.String(36), primary_key=True),
    sa.Column('ip_address', sa.String(64), nullable=True),
    sa.Column('port_id', sa.String(36), nullable=True),
    sa.Column('subnet_id', sa.String(36), nullable=True),
    sa.Column('network_id', sa.String(36), nullable=True),
    sa.Column('qos_policy_id', sa.String(36), nullable=True),
    sa.Column('octavia_owned', sa.Boolean(), nullable=True),
    sa.Column('vnic_type', sa.String(64), nullable=False,
              server_default='normal'),
    _fk('load_balancer_id', 'load_balancer.id', 'fk_vip_load_balancer_id'),
)

vip_security_group = sa.Table(
    'vip_security_group', metadata,
    sa.Column('load_balancer_id', sa.String(36), primary_key=True),
    sa.Column('sg_id', sa.String(36), primary_key=True),
    _fk('load_balancer_id', 'vip.load_balancer_id', 'fk_vip_sg_vip_lb_id'),
)

additional_vip = sa.Table(
    'additional_vip', metadata,
    sa.Column('load_balancer_id', sa.String(36), primary_key=True),
    sa.Column('ip_address', sa.String(64), nullable=True),
    sa.Column('port_id', sa.String(36), nullable=True),
    sa.Column('subnet_id', sa.String(36), primary_key=True),
    sa.Column('network_id', sa.String(36), nullable=True),
    _fk('load_balancer_id', 'load_balancer.id', 'fk_add_vip_load_balancer_id'),
    sa.Index('ix_additional_vip_load_balancer_id', 'load_balancer_id'),
    sa.PrimaryKeyConstraint('load_balancer_id', 'subnet_id',
                            name='pk_add_vip_load_balancer_subnet'),
)

vrrp_group = sa.Table(
    'vrrp_group', metadata,
    sa.Column('load_balancer_id', sa.String(36), primary_key=True),
    sa.Column('vrrp_group_name', sa.String(36), nullable=True),
    sa.Column('vrrp_auth_type', sa.String(16), nullable=True),
    sa.Column('vrrp_auth_pass', sa.String(36), nullable=True),
    sa.Column('advert_int', sa.Integer(), nullable=True),
    _fk('load_balancer_id', 'load_balancer.id',
        'fk_vrrp_group_load_balancer_id'),
    _fk('vrrp_auth_type', 'vrrp_auth_method.name',
        'fk_load_balancer_vrrp_auth_method_name'),
)


amphora = sa.Table(
    'amphora', metadata,
    sa.Column('id', sa.String(36), primary_key=True, autoincrement=False),
    sa.Column('compute_id', sa.String(36), nullable=True),
    sa.Column('status', sa.String(36), nullable=False),
    sa.Column('load_balancer_id', sa.String(36), nullable=True),
    sa.Column('lb_network_ip', sa.String(64), nullable=True),
    sa.Column('vrrp_ip', sa.String(64), nullable=True),
    sa.Column('ha_ip', sa.String(64), nullable=True),
    sa.Column('vrrp_port_id', sa.String(36), nullable=True),
    sa.Column('ha_port_id', sa.String(36), nullable=True),
    sa.Column('role', sa.String(36), nullable=True),
    sa.Column('cert_expiration', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cert_busy', sa.Boolean(), nullable=False),
    sa.Column('vrrp_interface', sa.String(16), nullable=True),
    sa.Column('vrrp_id', sa.Integer(), nullable=True),
    sa.Column('vrrp_priority', sa.Integer(), nullable=True),
    sa.Column('cached_zone', sa.String(255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('image_id', sa.String(36), nullable=True),
    sa.Column('compute_flavor', sa.String(255), nullable=True),
    _fk('load_balancer_id', 'load_balancer.id',
        'fk_amphora_load_balancer_id'),
    _fk('status', 'provisioning_status.name',
        'fk_amphora_provisioning_status_name'),
    _fk('role', 'amphora_roles.name', 'fk_amphora_roles_name'),
)

amphora_health = sa.Table(
    'amphora_health', metadata,
    sa.Column('amphora_id', sa.String(36), primary_key=True),
    sa.Column('last_update', sa.DateTime(timezone=True), nullable=False),
    sa.Column('busy', sa.Boolean(), nullable=False),
)

amphora_member_port = sa.Table(
    'amphora_member_port', metadata,
    sa.Column('port_id', sa.String(36), primary_key=True),
    sa.Column('amphora_id', sa.String(36), nullable=False),
    sa.Column('network_id', sa.String(36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    _fk('amphora_id', 'amphora.id', 'fk_member_port_amphora_id'),
    sa.Index('ix_amphora_member_port_amphora_id', 'amphora_id'),
)

amphora_build_slots = sa.Table(
    'amphora_build_slots', metadata,
    sa.Column('id', sa.Integer(), primary_key=True),
    sa.Column('slots_used', sa.Integer(), nullable=True),
)

amphora_build_request = sa.Table(
    'amphora_build_request', metadata,
    sa.Column('amphora_id', sa.String(36), primary_key=True),
    sa.Column('priority', sa.Integer(), nullable=True),
    sa.Column('created_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(16), nullable=False),
)

spares_pool = sa.Table(
    'spares_pool', metadata,
    sa.Column('updated_at', sa.DateTime(), primary_key=True,
              server_default=sa.func.current_timestamp()),
)


pool = sa.Table(
    'pool', metadata,
    sa.Column('project_id', sa.String(36), nullable=True),
    sa.Column('id', sa.String(36), primary_key=True),
    sa.Column('name', sa.String(255), nullable=True),
    sa.Column('description', sa.String(255), nullable=True),
    sa.Column('protocol', sa.String(16), nullable=False),
    sa.Column('lb_algorithm', sa.String(255), nullable=False),
    sa.Column('operating_status', sa.String(16), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('load_balancer_id', sa.String(36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('provisioning_status', sa.String(16), nullable=False),
    sa.Column('tls_certificate_id', sa.String(255), nullable=True),
    sa.Column('ca_tls_certificate_id', sa.String(255), nullable=True),
    sa.Column('crl_container_id', sa.String(255), nullable=True),
    sa.Column('tls_enabled', sa.Boolean(), nullable=False,
              server_default=sa.false()),
    sa.Column('tls_ciphers', sa.String(2048), nullable=True),
    sa.Column('tls_versions', sa.String(512), nullable=True),
    sa.Column('alpn_protocols', sa.String(512), nullable=True),
    _fk('protocol', 'protocol.name', 'fk_pool_protocol_name'),
    _fk('operating_status', 'operating_status.name',
        'fk_pool_operating_status_name'),
    _fk('lb_algorithm', 'algorithm.name', 'fk_pool_algorithm_name'),
    _fk('load_balancer_id', 'load_balancer.id'),
    _fk('provisioning_status', 'provisioning_status.name',
        'fk_pool_provisioning_status_name'),
)

session_persistence = sa.Table(
    'session_persistence', metadata,
    sa.Column('pool_id', sa.String(36), primary_key=True),
    sa.Column('type', sa.String(16), nullable=False),
    sa.Column('cookie_name', sa.String(255), nullable=True),
    sa.Column('persistence_timeout', sa.Integer(), nullable=True),
    sa.Column('persistence_granularity', sa.String(64), nullable=True),
    _fk('pool_id', 'pool.id', 'fk_session_persistence_pool_id'),
    _fk('type', 'session_persistence_type.name',
        'fk_session_persistence_session_persistence_type_name'),
)

member = sa.Table(
    'member', metadata,
    sa.Column('project_id', sa.String(36), nullable=True),
    sa.Column('id', sa.String(36), primary_key=True),
    sa.Column('pool_id', sa.String(36), nullable=False),
    sa.Column('subnet_id', sa.String(36), nullable=True),
    sa.Column('ip_address', sa.String(64), nullable=True),
    sa.Column('protocol_port', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=True),
    sa.Column('operating_status', sa.String(16), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('provisioning_status', sa.String(16), nullable=False),
    sa.Column('name', sa.String(255), nullable=True),
    sa.Column('monitor_address', sa.String(64), nullable=True),
    sa.Column('monitor_port', sa.Integer(), nullable=True),
    sa.Column('backup', sa.Boolean(), nullable=False),
    sa.Column('vnic_type', sa.String(64), nullable=False,
              server_default='normal'),
    sa.UniqueConstraint('pool_id', 'ip_address', 'protocol_port',
                        name='uq_member_pool_id_address_protocol_port'),
    _fk('pool_id', 'pool.id', 'fk_member_pool_id'),
    _fk('operating_status', 'operating_status.name',
        'fk_member_operating_status_name'),
    _fk('provisioning_status', 'provisioning_status.name',
        'fk_member_provisioning_status_name'),
)

health_monitor = sa.Table(
    'health_monitor', metadata,
    sa.Column('pool_id', sa.String(36), nullable=False),
    sa.Column('type', sa.String(36), nullable=False),
    sa.Column('delay', sa.Integer(), nullable=False),
    sa.Column('timeout', sa.Integer(), nullable=False),
    sa.Column('fall_threshold', sa.Integer(), nullable=False),
    sa.Column('rise_threshold', sa.Integer(), nullable=False),
    sa.Column('http_method', sa.String(16), nullable=True),
    sa.Column('url_path', sa.String(255), nullable=True),
    sa.Column('expected_codes', sa.String(64), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('project_id', sa.String(36), nullable=True),
    sa.Column('provisioning_status', sa.String(16), nullable=False),
    sa.Column('name', sa.String(255), nullable=True),
    sa.Column('id', sa.String(36), primary_key=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('operating_status', sa.String(16), nullable=False),
    sa.Column('http_version', sa.Float(), nullable=True),
    sa.Column('domain_name', sa.String(255), nullable=True),
    _fk('type', 'health_monitor_type.name',
        'fk_health_monitor_health_monitor_type_name'),
    _fk('pool_id', 'pool.id', 'fk_health_monitor_pool_id'),
    _fk('provisioning_status', 'provisioning_status.name',
        'fk_health_monitor_provisioning_status_name'),
    _fk('operating_status', 'operating_status.name',
        'fk_health_monitor_operating_status_name'),
    # Created as a unique index, not as a constraint.
    sa.Index('uq_health_monitor_pool', 'pool_id', unique=True),
)


listener = sa.Table(
    'listener', metadata,
    sa.Column('project_id', sa.String(36), nullable=True),
    sa.Column('id', sa.String(36), primary_key=True),
    sa.Column('name', sa.String(255), nullable=True),
    sa.Column('description', sa.String(255), nullable=True),
    sa.Column('protocol', sa.String(16), nullable=False),
    sa.Column('protocol_port', sa.Integer(), nullable=False),
    sa.Column('connection_limit', sa.Integer(), nullable=True),
    sa.Column('load_balancer_id', sa.String(36), nullable=True),
    sa.Column('tls_certificate_id', sa.String(255), nullable=True),
    sa.Column('default_pool_id', sa.String(36), nullable=True),
    sa.Column('provisioning_status', sa.String(16), nullable=False),
    sa.Column('operating_status', sa.String(16), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('peer_port', sa.Integer(), nullable=True),
    sa.Column('insert_headers', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('timeout_client_data', sa.Integer(), nullable=True),
    sa.Column('timeout_member_connect', sa.Integer(), nullable=True),
    sa.Column('timeout_member_data', sa.Integer(), nullable=True),
    sa.Column('timeout_tcp_inspect', sa.Integer(), nullable=True),
    sa.Column('client_ca_tls_certificate_id', sa.String(255), nullable=True),
    sa.Column('client_authentication', sa.String(10), nullable=False,
              server_default='NONE'),
    sa.Column('client_crl_container_id', sa.String(255), nullable=True),
    sa.Column('tls_ciphers', sa.String(2048), nullable=True),
    sa.Column('tls_versions', sa.String(512), nullable=True),
    sa.Column('alpn_protocols', sa.String(512), nullable=True),
    sa.Column('hsts_max_age', sa.Integer(), nullable=True),
    sa.Column('hsts_include_subdomains', sa.Boolean(), nullable=True),
    sa.Column('hsts_preload', sa.Boolean(), nullable=True),
    sa.UniqueConstraint('load_balancer_id', 'protocol', 'protocol_port',
                        name='uq_listener_load_balancer_id_protocol_port'),
    _fk('load_balancer_id', 'load_balancer.id',
        'fk_listener_load_balancer_id'),
    _fk('protocol', 'protocol.name', 'fk_listener_protocol_name'),
    _fk('provisioning_status', 'provisioning_status.name',
        'fk_listener_provisioning_status_name'),
    _fk('operating_status', 'operating_status.name',
        'fk_listener_operating_status_name'),
    _fk('default_pool_id', 'pool.id', 'fk_listener_pool_id'),
    _fk('client_authentication', 'client_authentication_mode.name'),
)

listener_cidr = sa.Table(
    'listener_cidr', metadata,
    sa.Column('listener_id', sa.String(36), primary_key=True),
    sa.Column('cidr', sa.String(64), primary_key=True),
    _fk('listener_id', 'listener.id', 'fk_listener_cidr_listener_id'),
)

listener_statistics = sa.Table(
    'listener_statistics', metadata,
    sa.Column('listener_id', sa.String(36), primary_key=True),
    sa.Column('bytes_in', sa.BigInteger(), nullable=False),
    sa.Column('bytes_out', sa.BigInteger(), nullable=False),
    sa.Column('active_connections', sa.Integer(), nullable=False),
    sa.Column('total_connections', sa.BigInteger(), nullable=False),
    sa.Column('amphora_id', sa.String(36), primary_key=True),
    sa.Column('request_errors', sa.BigInteger(), nullable=False),
    # Left behind on MySQL by the foreign key this column no longer has.
    sa.Index('fk_listener_statistic_amphora_id', 'amphora_id'),
    sa.PrimaryKeyConstraint('listener_id', 'amphora_id', name='pk_listener_statistics'),
)

sni = sa.Table(
    'sni', metadata,
    sa.Column('listener_id', sa.String(36), primary_key=True),
    sa.Column('tls_container_id', sa.String(128), primary_key=True),
    sa.Column('position', sa.Integer(), nullable=True),
    _fk('listener_id', 'listener.id', 'fk_sni_listener_id'),
)

l7policy = sa.Table(
    'l7policy', metadata,
    sa.Column('id', sa.String(36), primary_key=True),
    sa.Column('name', sa.String(255), nullable=True),
    sa.Column('description', sa.String(255), nullable=True),
    sa.Column('listener_id', sa.String(36), nullable=False),
    sa.Column('action', sa.String(36), nullable=False),
    sa.Column('redirect_pool_id', sa.String(36), nullable=True),
    sa.Column('redirect_url', sa.String(255), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('provisioning_status', sa.String(16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('project_id', sa.String(36), nullable=True),
    sa.Column('operating_status', sa.String(16), nullable=False),
    sa.Column('redirect_prefix', sa.String(255), nullable=True),
    sa.Column('redirect_http_code', sa.Integer(), nullable=True),
    _fk('listener_id', 'listener.id', 'fk_l7policy_listener_id'),
    _fk('redirect_pool_id', 'pool.id', 'fk_l7policy_pool_id'),
    _fk('action', 'l7policy_action.name', 'fk_l7policy_l7policy_action_name'),
    _fk('operating_status', 'operating_status.name',
        'fk_l7policy_operating_status_name'),
    _fk('provisioning_status', 'provisioning_status.name',
        'fk_l7policy_provisioning_status_name'),
)

l7rule = sa.Table(
    'l7rule', metadata,
    sa.Column('id', sa.String(36), primary_key=True),
    sa.Column('l7policy_id', sa.String(36), nullable=False),
    sa.Column('type', sa.String(36), nullable=False),
    sa.Column('compare_type', sa.String(36), nullable=False),
    sa.Column('key', sa.String(255), nullable=True),
    sa.Column('value', sa.String(255), nullable=False),
    sa.Column('invert', sa.Boolean(), nullable=False),
    sa.Column('provisioning_status', sa.String(16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('project_id', sa.String(36), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False,
              server_default=sa.true()),
    sa.Column('operating_status', sa.String(16), nullable=False),
    _fk('l7policy_id', 'l7policy.id', 'fk_l7rule_l7policy_id'),
    _fk('type', 'l7rule_type.name', 'fk_l7rule_l7rule_type_name'),
    _fk('compare_type', 'l7rule_compare_type.name',
        'fk_l7rule_l7rule_compare_type_name'),
    _fk('provisioning_status', 'provisioning_status.name',
        'fk_l7rule_provisioning_status_name'),
    _fk('operating_status', 'operating_status.name',
        'fk_l7rule_operating_status_name'),
)


quotas = sa.Table(
    'quotas', metadata,
    sa.Column('project_id', sa.String(36), primary_key=True),
    sa.Column('health_monitor', sa.Integer(), nullable=True),
    sa.Column('load_balancer', sa.Integer(), nullable=True),
    sa.Column('listener', sa.Integer(), nullable=True),
    sa.Column('member', sa.Integer(), nullable=True),
    sa.Column('pool', sa.Integer(), nullable=True),
    sa.Column('in_use_health_monitor', sa.Integer(), nullable=True),
    sa.Column('in_use_load_balancer', sa.Integer(), nullable=True),
    sa.Column('in_use_listener', sa.Integer(), nullable=True),
    sa.Column('in_use_member', sa.Integer(), nullable=True),
    sa.Column('in_use_pool', sa.Integer(), nullable=True),
    sa.Column('l7policy', sa.Integer(), nullable=True),
    sa.Column('l7rule', sa.Integer(), nullable=True),
    sa.Column('in_use_l7policy', sa.Integer(), nullable=True),
    sa.Column('in_use_l7rule', sa.Integer(), nullable=True),
)

tags = sa.Table(
    'tags', metadata,
    sa.Column('resource_id', sa.String(36), primary_key=True),
    sa.Column('tag', sa.String(255), primary_key=True),
    sa.Index('ix_tags_tag', 'tag'),
)
