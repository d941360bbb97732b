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
import time

import sqlalchemy as sa

LOG = logging.getLogger(__name__)

batches = True
#: Nothing to add to an online run's result.
NOTE = None
LOCK_NOT_AVAILABLE = '55P03'
ATTEMPTS = 30
_DDL = re.compile(r'^\s*(ALTER\s+TABLE|CREATE\s+(UNIQUE\s+)?INDEX|DROP\s+INDEX)\b', re.I)


def estimate_rows(conn, table: str) -> int:
    return int(conn.execute(sa.text(
        'SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = to_regclass(:t)'),
        {'t': table}).scalar() or 0)


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


@contextlib.contextmanager
def batch_session(conn):
    """READ COMMITTED is PostgreSQL's default: nothing to change."""
    yield


def pause(conn, seconds: float) -> None:
    """No flow control to wait for."""


def alter(online, construct, run, fence):
    conn = online.conn
    sql = construct if isinstance(construct, str) else str(construct.compile(dialect=conn.dialect))
    if not _DDL.match(sql):
        fence('statement')
        return run(construct)
    before = conn.exec_driver_sql('SHOW lock_timeout').scalar()
    conn.exec_driver_sql("SET LOCAL lock_timeout = '%dms'" % int(online.settings.lock_wait * 1000))
    try:
        for attempt in range(ATTEMPTS):
            fence('statement')
            conn.exec_driver_sql('SAVEPOINT dbmanage_online')
            try:
                found = run(construct)
            except sa.exc.DBAPIError as exc:
                if getattr(exc.orig, 'pgcode', None) != LOCK_NOT_AVAILABLE or \
                        attempt == ATTEMPTS - 1:
                    raise
                conn.exec_driver_sql('ROLLBACK TO SAVEPOINT dbmanage_online')
                LOG.info('waiting for a table lock for %s; trying again', sql[:80])
                time.sleep(min(0.1 * 2 ** attempt, 5.0))
                continue
            conn.exec_driver_sql('RELEASE SAVEPOINT dbmanage_online')
            return found
    finally:
        conn.exec_driver_sql('SELECT set_config(%(v)s, %(w)s, true)',
                             {'v': 'lock_timeout', 'w': before})


def forecast(conn, op, settings) -> dict:
    """What ``upgrade`` with ``settings`` does with one plan operation."""
    if op['kind'] in ('execute', 'bulk_insert') and not _DDL.match(op['sql'][0] if op['sql']
                                                                   else ''):
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
