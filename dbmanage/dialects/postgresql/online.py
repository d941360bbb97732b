"""``--online`` on PostgreSQL.

A revision runs in one transaction here, so every lock it takes is held
until it commits. Online, a data step over a large table runs in batches
instead, each committed on its own (``COMMIT`` then ``BEGIN``, so the rest of
the revision is a transaction again): what the revision did before the
step commits with the first batch, releasing its locks. The revision is then
no longer all-or-nothing, so an online run keeps the journal
(``migrate.journal``) here too; each statement commits with its count, so a
rerun knows exactly what is done.

An ALTER waiting for its ACCESS EXCLUSIVE lock behind a long transaction
would queue every later reader and writer of the table behind itself, so
each DDL statement waits at most ``lock_wait`` seconds (``lock_timeout``),
rolls back to a savepoint and tries again after a growing pause, letting
the queue drain.
"""
import contextlib
import logging
import re

import sqlalchemy as sa

LOG = logging.getLogger(__name__)

batches = True
#: Nothing to add to an online run's result.
NOTE = None
LOCK_NOT_AVAILABLE = '55P03'
_DDL = re.compile(r'^\s*(ALTER\s+TABLE|CREATE\s+(UNIQUE\s+)?INDEX|DROP\s+INDEX)\b', re.I)
_CREATE_INDEX = re.compile(r'^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+("?\w+"?)\s+ON\s+("?\w+"?)', re.I)
_ADD_FOREIGN_KEY = re.compile(
    r'^\s*ALTER\s+TABLE\s+("?\w+"?)\s+ADD\s+CONSTRAINT\s+("?\w+"?)\s+FOREIGN\s+KEY\b', re.I)


def estimate_rows(conn, table: str) -> int:
    """The server's estimate, as ``plan`` reads it: no table is counted."""
    from dbmanage.dialects.postgresql import plan
    return next((int(rows or 0) for _, rows, _ in plan.table_sizes(conn, [table])), 0)


def primary_key(conn, table: str) -> list[str]:
    rows = conn.execute(sa.text(
        'SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid '
        'AND a.attnum = ANY (i.indkey) WHERE i.indrelid = to_regclass(:t) AND i.indisprimary'),
        {'t': table})
    return [r[0] for r in rows]


def commit(conn) -> None:
    """Commit what the revision did so far, and go on in a new transaction
    (the driver and SQLAlchemy still see the revision's one)."""
    conn.exec_driver_sql('COMMIT')
    conn.exec_driver_sql('BEGIN')


def rollback(conn) -> None:
    """Roll a batch back, and go on in a new transaction (``commit``'s
    counterpart)."""
    conn.exec_driver_sql('ROLLBACK')
    conn.exec_driver_sql('BEGIN')


@contextlib.contextmanager
def batch_session(conn):
    """READ COMMITTED is PostgreSQL's default: nothing to change, and no
    flow control to pause for between batches."""
    yield lambda seconds: None


def alter(online, construct, run, fence):
    conn = online.conn
    sql = construct if isinstance(construct, str) else str(construct.compile(dialect=conn.dialect))
    if not _DDL.match(sql):
        fence('statement')
        return run(construct)
    index = _CREATE_INDEX.match(sql)
    if index and online.large(_name(index.group(3))):
        return _index_concurrently(conn, sql, _name(index.group(2)), fence)
    key = _ADD_FOREIGN_KEY.match(sql)
    if key and online.large(_name(key.group(1))):
        return _foreign_key_not_valid(online, sql, key.group(1), key.group(2), fence)
    return _waiting_briefly(conn, lambda: run(construct), sql, fence, online.settings.lock_wait)


def _pgcode(exc):
    """The error's SQLSTATE, also under oslo.db's classification."""
    exc = getattr(exc, 'inner_exception', None) or exc
    return getattr(getattr(exc, 'orig', None), 'pgcode', None)


def _name(quoted):
    return quoted.strip('"')


def _waiting_briefly(conn, execute, sql, fence, lock_wait):
    """``execute()`` with ``lock_timeout`` at ``lock_wait``, again after a
    growing pause each time the lock was not to be had."""
    from dbmanage.db import retry
    before = conn.exec_driver_sql('SHOW lock_timeout').scalar()
    conn.exec_driver_sql("SET LOCAL lock_timeout = '%dms'" % int(lock_wait * 1000))

    def attempt():
        fence('statement')
        conn.exec_driver_sql('SAVEPOINT dbmanage_online')
        try:
            found = execute()
        except Exception as exc:
            if _pgcode(exc) == LOCK_NOT_AVAILABLE:
                conn.exec_driver_sql('ROLLBACK TO SAVEPOINT dbmanage_online')
            raise
        conn.exec_driver_sql('RELEASE SAVEPOINT dbmanage_online')
        return found
    try:
        return retry.give_way(attempt, lambda exc: _pgcode(exc) == LOCK_NOT_AVAILABLE, sql)
    finally:
        conn.exec_driver_sql('SELECT set_config(%(v)s, %(w)s, true)',
                             {'v': 'lock_timeout', 'w': before})


def _index_concurrently(conn, sql, name, fence):
    """CREATE INDEX CONCURRENTLY, which writers go on through but which no
    transaction may hold: what the revision did so far commits first. It
    commits by itself, so a run that died in it or just after finds an
    invalid index (dropped and built again) or a valid one (kept)."""
    fence('statement')
    conn.exec_driver_sql('COMMIT')
    try:
        valid = conn.exec_driver_sql(
            'SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%(n)s)',
            {'n': name}).scalar()
        if valid is False:
            LOG.warning('dropping the invalid index %s, left by an interrupted run', name)
            conn.exec_driver_sql('DROP INDEX CONCURRENTLY "%s"' % name)
        if valid is not True:
            conn.exec_driver_sql(re.sub(r'\bINDEX\b', 'INDEX CONCURRENTLY', sql, count=1,
                                        flags=re.I))
    finally:
        conn.exec_driver_sql('BEGIN')


def _foreign_key_not_valid(online, sql, table, name, fence):
    """ADD ... NOT VALID (a brief lock, no scan), committed, then VALIDATE
    CONSTRAINT, which scans the table while writers go on."""
    conn = online.conn
    validated = conn.exec_driver_sql(
        'SELECT convalidated FROM pg_constraint WHERE conname = %(n)s '
        'AND conrelid = to_regclass(%(t)s)', {'n': _name(name), 't': _name(table)}).scalar()
    if validated is None:
        _waiting_briefly(conn, lambda: conn.exec_driver_sql(sql.rstrip().rstrip(';') +
                                                            ' NOT VALID'),
                         sql, fence, online.settings.lock_wait)
        commit(conn)
    if validated is not True:
        fence('statement')
        conn.exec_driver_sql('ALTER TABLE %s VALIDATE CONSTRAINT %s' % (table, name))


def forecast(conn, op, settings) -> dict:
    """What ``upgrade`` with ``settings`` does with one plan operation."""
    from dbmanage.migrate import online as driver
    sql = op['sql'][0] if op['sql'] else ''
    large = settings.mode == 'always' or (
        settings.mode == 'auto' and op['rows'] >= settings.rows)
    if op['kind'] == 'execute' and large and driver.batchable_sql(sql):
        return driver.batches_forecast(settings)
    if large and op['kind'] == 'create_index':
        return {'way': 'CONCURRENTLY', 'blocks': False, 'wait_s': 0.0,
                'writes_wait': 'none (it waits for older transactions instead)'}
    if large and _ADD_FOREIGN_KEY.match(sql):
        return {'way': 'NOT VALID, VALIDATE', 'blocks': False, 'wait_s': settings.lock_wait,
                'writes_wait': 'at most %.1f s per attempt while the ADD waits for its lock; '
                               'none while VALIDATE scans' % settings.lock_wait}
    if op['kind'] in ('execute', 'bulk_insert') and not _DDL.match(sql):
        return {'way': 'as is', 'blocks': False, 'wait_s': None,
                'writes_wait': 'rows it changes stay locked until the revision commits'}
    if op['blocks_writes'] and op['rows']:
        return {'way': 'lock_timeout', 'blocks': True, 'wait_s': None,
                'writes_wait': 'the whole statement (it rewrites or scans the table)'}
    return {'way': 'lock_timeout', 'blocks': False, 'wait_s': settings.lock_wait,
            'writes_wait': 'at most %.1f s per attempt while it waits for its lock'
                           % settings.lock_wait}


def tidy(conn) -> None:
    """A shadow copy never happens here."""
