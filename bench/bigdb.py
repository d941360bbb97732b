"""Large Mistral and lbaas databases for the upgrade benchmarks, and what writes to them.

A dataset fills, at an early revision of its chain, the tables a service's
operators have most rows in. Rows are made by INSERT ... SELECT from a number
sequence (MariaDB's ``seq_1_to_N`` table, PostgreSQL's ``generate_series``),
CHUNK rows per statement and transaction: no Python loop over the rows, and no
Galera write set larger than one chunk. Ids are UUID-shaped and follow from a
row's number (``uid``), so a writer can address any row without reading it.

The writer's updates (``Target``) touch only columns that every revision from
the dataset's start to the head keeps as they are, and its inserts
(``Dataset.insert``) give values to every column that is NOT NULL without a
default at any of those revisions.
"""
import json
from typing import Callable, NamedTuple

CHUNK = 20000
EPOCH = '2024-01-01 00:00:00'


def uid(code, n):
    """The id of row n of the table whose id code is ``code`` (4 hex digits)."""
    return '%08x-0000-4000-%s-%012x' % (n, code, n)


class Sql:
    """The few expressions whose spelling differs between MariaDB and PostgreSQL."""

    def __init__(self, dialect):
        self.mysql = dialect == 'mysql'

    def numbers(self, first, last):
        """A FROM item yielding the integers first..last as column ``seq``."""
        if self.mysql:
            return 'seq_%d_to_%d' % (first, last)
        # BIGINT: products like seq * 7411 outgrow INTEGER past 290,000 rows.
        return 'generate_series(%d::bigint, %d::bigint) AS s(seq)' % (first, last)

    def hex(self, expr, width):
        return "LPAD(%s, %d, '0')" % (('LOWER(HEX(%s))' if self.mysql else 'to_hex(%s)') % expr,
                                      width)

    def uid(self, code, expr='seq'):
        """SQL for ``uid(code, expr)``."""
        return "CONCAT(%s, '-0000-4000-%s-', %s)" % (self.hex(expr, 8), code, self.hex(expr, 12))

    def div(self, expr, by):
        return '((%s) %s %d)' % (expr, 'DIV' if self.mysql else '/', by)

    def at(self, expr='seq'):
        """A timestamp ``expr`` seconds after EPOCH."""
        if self.mysql:
            return "(TIMESTAMP '%s' + INTERVAL (%s) SECOND)" % (EPOCH, expr)
        return "(TIMESTAMP '%s' + (%s) * INTERVAL '1 second')" % (EPOCH, expr)

    def ip(self, prefix, expr='seq'):
        """An IPv4 address in prefix/16 numbered by expr."""
        return "CONCAT('%s.', MOD(%s, 256), '.', MOD(%s, 256))" % (
            prefix, self.div(expr, 256), expr)


class Table(NamedTuple):
    name: str
    count: Callable[[int], int]               # rows for a dataset of size n
    columns: Callable[[Sql], dict]            # column -> SQL expression of seq


class Target(NamedTuple):
    """A table the writer updates: random rows among those the dataset made."""
    table: str
    key: str
    code: str
    count: Callable[[int], int]
    values: Callable[[int, object], dict]     # (write number, now) -> column values


class Dataset(NamedTuple):
    service: str
    start: str                                # the revision the data is made at
    unit: int                                 # --rows is rounded down to a multiple of it
    tables: tuple                             # Table, in an order foreign keys accept
    targets: tuple                            # Target
    # (write number, n, now) -> [(table, key column, row)], one transaction
    insert: Callable[[int, int, object], list]


def fill(conn, dataset, n):
    """Insert the dataset's rows for size n on an open SQLAlchemy connection,
    committing every chunk."""
    import sqlalchemy as sa
    sql = Sql(conn.dialect.name)
    for table in dataset.tables:
        columns = table.columns(sql)
        total = table.count(n)
        for first in range(1, total + 1, CHUNK):
            last = min(total, first + CHUNK - 1)
            conn.execute(sa.text('INSERT INTO %s (%s) SELECT %s FROM %s' % (
                table.name, ', '.join(columns), ', '.join(columns.values()),
                sql.numbers(first, last))))
            conn.commit()


def text(value):
    """value as JSON text, spaced as the service writes it."""
    return json.dumps(value, separators=(', ', ': '))


def concat(sql, template):
    """SQL concatenating template's text with the expressions it names between
    at signs (JSON has braces): ``@seq@``, ``@mod:K@`` (seq mod K),
    ``@uid:CODE@``, ``@uid:CODE:D@`` (the id of row (seq - 1) / D + 1)."""
    parts, rest = [], template
    while '@' in rest:
        before, _, rest = rest.partition('@')
        name, _, rest = rest.partition('@')
        kind, _, arg = name.partition(':')
        if kind == 'seq':
            expr = 'seq'
        elif kind == 'mod':
            expr = 'MOD(seq, %s)' % arg
        else:
            code, _, by = arg.partition(':')
            expr = sql.uid(code, sql.div('seq - 1', int(by)) + ' + 1' if by else 'seq')
        parts += ["'%s'" % before.replace("'", "''"), expr]
    parts.append("'%s'" % rest.replace("'", "''"))
    return 'CONCAT(%s)' % ', '.join(parts)


# --- Mistral at 021: N action executions, N/2 task executions, N/4 workflow executions.
# 022 fills workflow_namespace in all three tables (actions: those of a named
# workflow), 041 turns workflow_executions_v2.description into TEXT.

WF, TASK, ACTION, NEW = '8000', '9000', 'a000', 'e000'

_WF_SPEC = text({'version': '2.0', 'name': 'audit_hosts_@mod:20@',
                 'description': 'Check every host of the inventory and report',
                 'input': ['base_url', 'host_ids'],
                 'tasks': {'check_host': {'with-items': 'host_id in <% $.host_ids %>',
                                          'action': 'std.http url=<% $.base_url %>/<% $.host_id %>',
                                          'on-success': ['report']},
                           'report': {'action': 'std.echo output=<% $.status %>'}}})
_TASK_SPEC = text({'name': 'check_host', 'version': '2.0',
                   'action': 'std.http url=<% $.base_url %>/hosts/<% $.host_id %>',
                   'publish': {'status': '<% task().result.content.state %>'},
                   'on-success': ['report'], 'retry': {'count': 3, 'delay': 10}})
_ACTION_SPEC = text({'name': 'std.http', 'description': 'Send an HTTP request',
                     'input': ['url', 'method', 'params', 'body', 'headers', 'timeout'],
                     'base': None})


def _execution(sql, code, name):
    return {'id': sql.uid(code), 'created_at': sql.at(), 'updated_at': sql.at('seq + 60'),
            'scope': "'private'", 'project_id': concat(sql, '0a3f1c@mod:50@'),
            'name': name, 'workflow_name': concat(sql, 'audit_hosts_@mod:20@'),
            'workflow_id': concat(sql, 'wf-def-@mod:20@'),
            'state': "CASE MOD(seq, 10) WHEN 0 THEN 'ERROR' ELSE 'SUCCESS' END",
            'state_info': "CASE MOD(seq, 10) WHEN 0 THEN 'Failed to run action: timeout' END",
            'tags': "'[\"audit\"]'"}


def _workflows(sql):
    return {**_execution(sql, WF, "CONCAT('audit_hosts_', MOD(seq, 20))"),
            'description': concat(sql, 'Nightly audit of the hosts, run @seq@'),
            'spec': concat(sql, _WF_SPEC), 'accepted': 'TRUE',
            'input': concat(sql, text({'base_url': 'https://inventory.example.org/v2',
                                       'host_ids': ['@mod:97@', '@mod:89@']})),
            'output': concat(sql, text({'report': 'done', 'checked': '@mod:40@'})),
            'params': concat(sql, text({'namespace': '', 'env': {'region': 'r@mod:3@'}})),
            'context': concat(sql, text({'__execution': {'id': '@uid:%s@' % WF}})),
            'runtime_context': "'{\"index\": 0}'"}


def _tasks(sql):
    return {**_execution(sql, TASK, "'check_host'"),
            'spec': concat(sql, _TASK_SPEC), 'processed': 'TRUE', 'type': "'ACTION'",
            'in_context': concat(sql, text({'host_id': '@mod:97@',
                                            'base_url': 'https://inventory.example.org/v2',
                                            '__execution': {'id': '@uid:%s:2@' % WF}})),
            'published': concat(sql, text({'status': 'active', 'host': 'compute-@mod:500@'})),
            'runtime_context': concat(sql, text({'triggered_by': [
                {'task_id': '@uid:%s@' % TASK, 'event': 'on-success'}]})),
            'workflow_execution_id': sql.uid(WF, sql.div('seq - 1', 2) + ' + 1')}


def _actions(sql):
    return {**_execution(sql, ACTION, "'std.http'"),
            # Ad-hoc actions (no workflow) keep a NULL namespace in 022.
            'workflow_name': "CASE WHEN MOD(seq, 10) = 3 THEN NULL "
                             "ELSE CONCAT('audit_hosts_', MOD(seq, 20)) END",
            'spec': concat(sql, _ACTION_SPEC), 'accepted': 'TRUE',
            'input': concat(sql, text({'url': 'https://inventory.example.org/v2/hosts/@seq@',
                                       'method': 'GET', 'timeout': 30,
                                       'headers': {'X-Request-Id': 'req-@uid:%s@' % ACTION}})),
            'output': concat(sql, text({'result': {'status': 200, 'content': {
                'host': 'compute-@mod:500@', 'state': 'active', 'uptime': '@seq@'}}})),
            'runtime_context': "'{\"index\": 0, \"recursion_depth\": 0}'",
            'task_execution_id': sql.uid(TASK, sql.div('seq - 1', 2) + ' + 1')}


def _mistral_state(k, now):
    return {'state': ('RUNNING', 'SUCCESS', 'ERROR')[k % 3], 'updated_at': now}


def _mistral_insert(k, n, now):
    """A new execution, in turn of each kind, tied to an existing parent."""
    row = {'id': uid(NEW, k), 'created_at': now, 'updated_at': now, 'scope': 'private',
           'project_id': '0a3f1c7', 'workflow_name': 'audit_hosts_7', 'state': 'RUNNING',
           'spec': _ACTION_SPEC, 'runtime_context': '{"index": 0}'}
    kind = k % 3
    if kind == 0:
        row.update(name='audit_hosts_7', accepted=False,
                   input='{"base_url": "https://inventory.example.org/v2"}')
        return [('workflow_executions_v2', 'id', row)]
    if kind == 1:
        row.update(name='check_host', type='ACTION',
                   workflow_execution_id=uid(WF, k % (n // 4) + 1))
        return [('task_executions_v2', 'id', row)]
    row.update(name='std.http', accepted=True,
               input='{"url": "https://inventory.example.org/v2/hosts/7"}',
               task_execution_id=uid(TASK, k % (n // 2) + 1))
    return [('action_executions_v2', 'id', row)]


MISTRAL = Dataset(
    service='mistral', start='021', unit=4,
    tables=(Table('workflow_executions_v2', lambda n: n // 4, _workflows),
            Table('task_executions_v2', lambda n: n // 2, _tasks),
            Table('action_executions_v2', lambda n: n, _actions)),
    targets=(Target('action_executions_v2', 'id', ACTION, lambda n: n, _mistral_state),
             Target('task_executions_v2', 'id', TASK, lambda n: n // 2, _mistral_state),
             Target('workflow_executions_v2', 'id', WF, lambda n: n // 4, _mistral_state)),
    insert=_mistral_insert)


# --- lbaas at 62816c232310: N members, 4 per pool; N/8 active/standby load
# balancers, each with a VIP, two amphorae, two listeners (80, 443) with a pool
# and health monitor each, and per-listener-and-amphora statistics. Later
# revisions drop listener_statistics' keys (4a6ec0ab7284) and add a NOT NULL
# column to it (c11292016060), give members, pools and monitors a provisioning
# status and fill it (9b5473976d6d, 034b2dc2f3e0), re-key health monitors
# (fac584114642), fill load_balancer.provider (0f242cf02c74), add amphora and
# member columns.

LB, VIP_PORT, AMP, LISTENER, POOL, MEMBER, NEW_LB = (
    'b001', 'b00b', 'b002', 'b003', 'b004', 'b005', 'e001')


def _owned(sql, code):
    return {'project_id': concat(sql, '3f2a9c0e5d7b4a1f8e6c2d0b@mod:200@'), 'id': sql.uid(code),
            'created_at': sql.at(), 'updated_at': sql.at('seq + 30')}


def _load_balancers(sql):
    return {**_owned(sql, LB), 'name': "CONCAT('web-', seq)", 'description': "'web tier'",
            'provisioning_status': "'ACTIVE'", 'operating_status': "'ONLINE'",
            'enabled': 'TRUE', 'topology': "'ACTIVE_STANDBY'", 'server_group_id': sql.uid('b00a')}


def _vips(sql):
    return {'load_balancer_id': sql.uid(LB), 'ip_address': sql.ip('10.20'),
            'port_id': sql.uid(VIP_PORT), 'subnet_id': sql.uid('b00c', 'MOD(seq, 50) + 1')}


def _amphorae(sql):
    lb = sql.div('seq - 1', 2) + ' + 1'
    return {'id': sql.uid(AMP), 'compute_id': sql.uid('b00d'), 'status': "'ALLOCATED'",
            'load_balancer_id': sql.uid(LB, lb), 'lb_network_ip': sql.ip('172.16'),
            'vrrp_ip': sql.ip('10.30'), 'ha_ip': sql.ip('10.20', lb),
            'vrrp_port_id': sql.uid('b00e'), 'ha_port_id': sql.uid(VIP_PORT, lb),
            'role': "CASE MOD(seq, 2) WHEN 1 THEN 'MASTER' ELSE 'BACKUP' END",
            'cert_expiration': sql.at('seq + 63072000'), 'cert_busy': 'FALSE',
            'vrrp_interface': "'eth1'", 'vrrp_id': '1',
            'vrrp_priority': 'CASE MOD(seq, 2) WHEN 1 THEN 100 ELSE 90 END'}


def _amphora_health(sql):
    return {'amphora_id': sql.uid(AMP), 'last_update': sql.at(), 'busy': 'FALSE'}


def _pools(sql):
    return {**_owned(sql, POOL), 'name': "CONCAT('pool-', seq)", 'protocol': "'HTTP'",
            'lb_algorithm': "CASE MOD(seq, 3) WHEN 0 THEN 'LEAST_CONNECTIONS' "
                            "ELSE 'ROUND_ROBIN' END",
            'operating_status': "'ONLINE'", 'enabled': 'TRUE',
            'load_balancer_id': sql.uid(LB, sql.div('seq - 1', 2) + ' + 1')}


def _listeners(sql):
    https = 'MOD(seq, 2) = 0'
    return {**_owned(sql, LISTENER), 'name': "CONCAT('listener-', seq)",
            'protocol': "CASE WHEN %s THEN 'TERMINATED_HTTPS' ELSE 'HTTP' END" % https,
            'protocol_port': 'CASE WHEN %s THEN 443 ELSE 80 END' % https,
            'connection_limit': '-1',
            'load_balancer_id': sql.uid(LB, sql.div('seq - 1', 2) + ' + 1'),
            'tls_certificate_id': "CASE WHEN %s THEN %s END" % (https, concat(
                sql, 'https://key-manager.example.org/v1/containers/@uid:b006@')),
            'default_pool_id': sql.uid(POOL), 'provisioning_status': "'ACTIVE'",
            'operating_status': "'ONLINE'", 'enabled': 'TRUE'}


def _health_monitors(sql):
    return {'pool_id': sql.uid(POOL), 'type': "'HTTP'", 'delay': '5', 'timeout': '5',
            'fall_threshold': '3', 'rise_threshold': '3', 'http_method': "'GET'",
            'url_path': "'/healthcheck'", 'expected_codes': "'200'", 'enabled': 'TRUE',
            'project_id': concat(sql, '3f2a9c0e5d7b4a1f8e6c2d0b@mod:200@')}


def _members(sql):
    return {**_owned(sql, MEMBER), 'pool_id': sql.uid(POOL, sql.div('seq - 1', 4) + ' + 1'),
            'subnet_id': sql.uid('b00c', 'MOD(seq, 50) + 1'), 'ip_address': sql.ip('10.40'),
            'protocol_port': '8080', 'weight': '1',
            'operating_status': "CASE MOD(seq, 25) WHEN 0 THEN 'ERROR' ELSE 'ONLINE' END",
            'enabled': 'TRUE'}


def _listener_statistics(sql):
    # Listener l belongs to load balancer (l - 1) / 2 + 1, whose amphorae are
    # 2 lb - 1 and 2 lb: row seq is listener (seq - 1) / 2 + 1 on one of them.
    amphora = '2 * %s + 1 + MOD(seq - 1, 2)' % sql.div('seq - 1', 4)
    return {'listener_id': sql.uid(LISTENER, sql.div('seq - 1', 2) + ' + 1'),
            'amphora_id': sql.uid(AMP, amphora), 'bytes_in': 'seq * 1913',
            'bytes_out': 'seq * 7411', 'active_connections': 'MOD(seq, 40)',
            'total_connections': 'seq * 3'}


def _status(k, now):
    return {'operating_status': ('ONLINE', 'DEGRADED', 'ERROR')[k % 3], 'updated_at': now}


def _lbaas_insert(k, n, now):
    """A new load balancer with its VIP: the parts of a create that every
    revision accepts (members get NOT NULL columns without a default later)."""
    lb = uid(NEW_LB, k)
    return [('load_balancer', 'id', {
                'project_id': '3f2a9c0e5d7b4a1f8e6c2d0b7', 'id': lb, 'name': 'new-%d' % k,
                'provisioning_status': 'PENDING_CREATE', 'operating_status': 'OFFLINE',
                'enabled': True, 'topology': 'ACTIVE_STANDBY', 'created_at': now,
                'updated_at': now}),
            ('vip', 'load_balancer_id', {
                'load_balancer_id': lb, 'ip_address': '10.99.%d.%d' % (k // 256 % 256, k % 256),
                'port_id': uid('e00b', k)})]


LBAAS = Dataset(
    service='lbaas', start='62816c232310', unit=8,
    tables=(Table('load_balancer', lambda n: n // 8, _load_balancers),
            Table('vip', lambda n: n // 8, _vips),
            Table('amphora', lambda n: n // 4, _amphorae),
            Table('amphora_health', lambda n: n // 4, _amphora_health),
            Table('pool', lambda n: n // 4, _pools),
            Table('listener', lambda n: n // 4, _listeners),
            Table('health_monitor', lambda n: n // 4, _health_monitors),
            Table('member', lambda n: n, _members),
            Table('listener_statistics', lambda n: n // 2, _listener_statistics)),
    # What the health manager writes all day: member, pool, listener and
    # load balancer statuses and amphora heartbeats.
    targets=(Target('member', 'id', MEMBER, lambda n: n, _status),
             Target('amphora_health', 'amphora_id', AMP, lambda n: n // 4,
                    lambda k, now: {'last_update': now}),
             Target('pool', 'id', POOL, lambda n: n // 4, _status),
             Target('listener', 'id', LISTENER, lambda n: n // 4, _status),
             Target('load_balancer', 'id', LB, lambda n: n // 8, _status)),
    insert=_lbaas_insert)

DATASETS = {'mistral': MISTRAL, 'lbaas': LBAAS}
