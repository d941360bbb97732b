"""The rows the lbaas chain seeds, and ``populate`` to put back missing ones.

``SEEDS`` lists, revision by revision in chain order, the rows each lbaas
revision inserts; ``ROWS`` is their union per table, which is what a
database at head holds. A row is a plain dict of column values; a column
left out gets the column's server default, or NULL. The one spares_pool row
is written as ``{}``: its only column defaults to the current time, and any
one row will do.

``populate(connection)`` inserts the rows of ``ROWS`` whose key is missing
and touches nothing else, so it restores rows deleted by mistake and is a
no-op the second time. It runs inside the caller's transaction.
"""
import sqlalchemy as sa

NIL_UUID = '00000000-0000-0000-0000-000000000000'


def _names(*names):
    return [{'name': name} for name in names]


SEEDS = {
    '35dee79d5865': {
        'health_monitor_type': _names('HTTP', 'HTTPS', 'TCP'),
        'protocol': _names('HTTP', 'HTTPS', 'TCP'),
        'algorithm': _names('ROUND_ROBIN', 'LEAST_CONNECTIONS', 'SOURCE_IP'),
        'session_persistence_type': _names('SOURCE_IP', 'HTTP_COOKIE',
                                           'APP_COOKIE'),
        'provisioning_status': _names('ACTIVE', 'PENDING_CREATE',
                                      'PENDING_UPDATE', 'PENDING_DELETE',
                                      'DELETED', 'ERROR'),
        'operating_status': _names('ONLINE', 'OFFLINE', 'DEGRADED', 'ERROR'),
    },
    '48660b6643f0': {
        'provisioning_status': _names('READY', 'BOOTING', 'ALLOCATED'),
    },
    '357d17a6d5ac': {
        'lb_topology': _names('SINGLE', 'ACTIVE_STANDBY'),
        'amphora_roles': _names('MASTER', 'BACKUP', 'STANDALONE'),
    },
    '2351ea316465': {
        'protocol': _names('TERMINATED_HTTPS'),
    },
    '3b199c848b96': {
        'operating_status': _names('NO_MONITOR'),
    },
    '1e4c1d83044c': {
        'vrrp_auth_method': _names('PASS', 'AH'),
    },
    '458c9ee2a011': {
        'l7rule_type': _names('HOST_NAME', 'PATH', 'FILE_TYPE', 'HEADER',
                              'COOKIE'),
        'l7rule_compare_type': _names('REGEX', 'STARTS_WITH', 'ENDS_WITH',
                                      'CONTAINS', 'EQUAL_TO'),
        'l7policy_action': _names('REJECT', 'REDIRECT_TO_URL',
                                  'REDIRECT_TO_POOL'),
    },
    'fc5582da7d8a': {
        'amphora_build_slots': [{'id': 1, 'slots_used': 0}],
    },
    '5309960964f8': {
        'protocol': _names('PROXY'),
    },
    'e6672bda93bf': {
        'health_monitor_type': _names('PING', 'TLS-HELLO'),
    },
    '4aeb9e23ad43': {
        'operating_status': _names('DRAINING'),
    },
    '76aacf2e176c': {
        'protocol': _names('UDP'),
        'health_monitor_type': _names('UDP-CONNECT'),
    },
    '55874a4ceed6': {
        'l7policy_action': _names('REDIRECT_PREFIX'),
    },
    'f21ae3f21adc': {
        'client_authentication_mode': _names('NONE', 'OPTIONAL',
                                             'MANDATORY'),
    },
    '1afc932f1ca2': {
        'l7rule_type': _names('SSL_CONN_HAS_CERT', 'SSL_VERIFY_RESULT',
                              'SSL_DN_FIELD'),
    },
    '46d914b2a5e5': {
        'spares_pool': [{}],
    },
    'dcf88e59aae4': {
        'algorithm': _names('SOURCE_IP_PORT'),
    },
    'e37941b010db': {
        'flavor_profile': [
            {'id': NIL_UUID, 'name': 'DELETED-PLACEHOLDER',
             'provider_name': 'DELETED', 'flavor_data': '{}'},
        ],
        'flavor': [
            {'id': NIL_UUID, 'name': 'DELETED-PLACEHOLDER',
             'description': 'Placeholder for DELETED LBs with DELETED '
                            'flavors',
             'enabled': False, 'flavor_profile_id': NIL_UUID},
        ],
    },
    'c761c8a71579': {
        'availability_zone_profile': [
            {'id': NIL_UUID, 'name': 'DELETED-PLACEHOLDER',
             'provider_name': 'DELETED', 'availability_zone_data': '{}'},
        ],
        'availability_zone': [
            {'name': NIL_UUID,
             'description': 'Placeholder for DELETED LBs with DELETED '
                            'availability zones',
             'enabled': False, 'availability_zone_profile_id': NIL_UUID},
        ],
    },
    'e6ee84f0abf3': {
        'protocol': _names('PROXYV2'),
    },
    '8b47b2546312': {
        'protocol': _names('SCTP'),
        'health_monitor_type': _names('SCTP'),
    },
    '6ac558d7fc21': {
        'protocol': _names('PROMETHEUS'),
    },
    '0995c26fc506': {
        'provisioning_status': _names('FAILOVER_STOPPED'),
    },
}

# Per table, the rows at head, tables in the order the chain first seeds
# them (referenced rows before the rows that point at them).
ROWS = {}
for _tables in SEEDS.values():
    for _table_name, _rows in _tables.items():
        ROWS.setdefault(_table_name, []).extend(_rows)
del _tables, _table_name, _rows

# The column that identifies a seeded row; None: the table needs one row,
# whichever.
KEYS = {
    'amphora_build_slots': 'id',
    'flavor_profile': 'id',
    'flavor': 'id',
    'availability_zone_profile': 'id',
    'spares_pool': None,
}
DEFAULT_KEY = 'name'


def _missing(connection, table_name, key, rows):
    """The rows of ``rows`` the table lacks; the database compares keys."""
    if key is None:
        count = sa.select(sa.func.count()).select_from(sa.table(table_name))
        return [] if connection.execute(count).scalar() else rows[:1]
    key_column = sa.column(key)
    table = sa.table(table_name, key_column)
    missing = []
    for row in rows:
        query = sa.select(sa.func.count()).select_from(table).where(
            key_column == row[key])
        if not connection.execute(query).scalar():
            missing.append(row)
    return missing


def populate(connection):
    """Insert the seeded rows that are missing; return the counts per table.

    ``connection`` is a SQLAlchemy Connection in a transaction the caller
    commits or rolls back. Existing rows are left as they are, even where
    their other columns differ from the seed.
    """
    inserted, unchanged = {}, {}
    for table_name, rows in ROWS.items():
        key = KEYS.get(table_name, DEFAULT_KEY)
        missing = _missing(connection, table_name, key, rows)
        for row in missing:
            table = sa.table(table_name, *(sa.column(c) for c in row))
            connection.execute(table.insert().values(row))
        inserted[table_name] = len(missing)
        unchanged[table_name] = len(rows) - len(missing)
    return {'inserted': inserted, 'unchanged': unchanged}
