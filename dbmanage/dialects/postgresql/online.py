"""``--online`` on PostgreSQL.

A revision runs in one transaction here, so a lock it takes is held until
the revision commits; what ``--online`` changes is how it gets the lock.
An ALTER waiting for its ACCESS EXCLUSIVE lock behind a long transaction
would queue every later reader and writer of the table behind itself, so
each DDL statement waits at most ``lock_wait`` seconds (``lock_timeout``),
rolls back to a savepoint and tries again after a growing pause, letting
the queue drain. Data steps run in the revision's transaction as they are:
batches committed on their own would break its all-or-nothing.
"""
import logging
import re
import time

import sqlalchemy as sa

LOG = logging.getLogger(__name__)

batches = False
NOTE = ('PostgreSQL runs each revision in one transaction: data steps ran whole, '
        'DDL waited for its locks with lock_timeout and retries')
LOCK_NOT_AVAILABLE = '55P03'
ATTEMPTS = 30
_DDL = re.compile(r'^\s*(ALTER\s+TABLE|CREATE\s+(UNIQUE\s+)?INDEX|DROP\s+INDEX)\b', re.I)


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
