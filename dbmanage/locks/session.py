"""Session locks, held on the connection that migrates.

Taking the lock on the migration's own connection means losing the lock and
losing the work are one event: if the server drops the session, both go.
PostgreSQL (``pg_advisory_lock``) and a single MariaDB/MySQL server
(``GET_LOCK``) free a dead holder's session lock within milliseconds. SQLite
has no sessions, so a file lock beside the database does the same job (the
kernel frees it when the holder dies).

``GET_LOCK`` is local to one server; on a Galera cluster the ``galera``
module's lock is used instead.
"""
import fcntl
import hashlib
import os
import time

from dbmanage.db import driver
from dbmanage import errors

_POLL = 0.05
_PG_APP_NAME = 63  # PostgreSQL truncates application_name at NAMEDATALEN - 1


def _pg_key(name):
    """A signed 64-bit advisory-lock key derived from the lock name."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], 'big', signed=True)


def _mysql_name(name, database):
    full = '%s.%s' % (name, database)
    if len(full) > 64:  # GET_LOCK names are limited to 64 characters
        full = full[:47] + '.' + hashlib.sha1(full.encode()).hexdigest()[:16]
    return full


def timeout_error(name, timeout):
    return errors.LockTimeout(
        'migration lock %s is held by another run; gave up after %.0f s '
        '([db_manage] lock_timeout)' % (name, timeout))


def app_name(holder):
    """The holder as PostgreSQL's application_name shows it to others."""
    return ('dbmanage %s:%s %s' % (holder['host'], holder['pid'],
                                   holder['request_id']))[:_PG_APP_NAME]


class _Held:
    kind = 'session'

    def __init__(self, release):
        self._release = release

    def fence(self, what):
        """Nothing to fence: the lock dies with the connection that migrates."""

    confirm = fence

    def release(self):
        self._release()


def acquire(link, name, timeout, holder, on_wait):
    """Take the lock on ``link``; ``on_wait()`` is called once if it is busy."""
    dialect = link.dialect
    if dialect == 'postgresql':
        return _Held(_acquire_pg(link.dbapi, name, timeout, holder, on_wait))
    if dialect in ('mysql', 'mariadb'):
        return _Held(_acquire_mysql(link, name, timeout, on_wait))
    if dialect == 'sqlite':
        return _Held(_acquire_sqlite(link, timeout, on_wait))
    raise errors.UsageError('no migration lock for the %s backend' % dialect)


def _poll(try_once, timeout, on_wait, name):
    deadline = time.monotonic() + timeout
    waiting = False
    while not try_once():
        if not waiting:
            waiting = True
            on_wait()
        if time.monotonic() >= deadline:
            raise timeout_error(name, timeout)
        time.sleep(_POLL)


def _acquire_pg(conn, name, timeout, holder, on_wait):
    key = _pg_key(name)
    _poll(lambda: driver.scalar(conn, 'SELECT pg_try_advisory_lock(%(k)s)', {'k': key}),
          timeout, on_wait, name)
    driver.query(conn, "SELECT set_config('application_name', %(n)s, false)",
                 {'n': app_name(holder)})

    def release():
        driver.query(conn, "SELECT set_config('application_name', '', false)")
        driver.query(conn, 'SELECT pg_advisory_unlock(%(k)s)', {'k': key})
    return release


def _acquire_mysql(link, name, timeout, on_wait):
    conn, lock = link.dbapi, _mysql_name(name, link.database)
    got = driver.scalar(conn, 'SELECT GET_LOCK(%(n)s, 0)', {'n': lock})
    if got != 1:
        on_wait()
        got = driver.scalar(conn, 'SELECT GET_LOCK(%(n)s, %(t)s)',
                            {'n': lock, 't': timeout})
    if got != 1:
        raise timeout_error(name, timeout)
    return lambda: driver.query(conn, 'SELECT RELEASE_LOCK(%(n)s)', {'n': lock})


def _lock_path(link):
    path = link.database
    if not path or path == ':memory:':
        return None
    return os.path.abspath(path) + '.lock'


def _acquire_sqlite(link, timeout, on_wait):
    path = _lock_path(link)
    if path is None:
        return lambda: None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def try_once():
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
    try:
        _poll(try_once, timeout, on_wait, path)
    except errors.LockTimeout:
        os.close(fd)
        raise
    return lambda: os.close(fd)


def holder(link, name):
    """Who holds the lock now (a dict), or None."""
    dialect = link.dialect
    if dialect == 'postgresql':
        return _pg_holder(link.dbapi, name)
    if dialect in ('mysql', 'mariadb'):
        return _mysql_holder(link, name)
    if dialect == 'sqlite':
        return _sqlite_holder(link)
    return None


def _pg_holder(conn, name):
    key = _pg_key(name) & 0xFFFFFFFFFFFFFFFF
    rows = driver.query(
        conn, 'SELECT a.pid, a.application_name, a.backend_start, '
        'host(a.client_addr) FROM pg_locks l '
        'JOIN pg_stat_activity a ON a.pid = l.pid '
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
        'AND l.database = (SELECT oid FROM pg_database '
        '                  WHERE datname = current_database()) '
        'AND l.classid::bigint = %(hi)s AND l.objid::bigint = %(lo)s',
        {'hi': key >> 32, 'lo': key & 0xFFFFFFFF})
    if not rows:
        return None
    pid, application_name, backend_start, client = rows[0]
    found = {'kind': 'pg_advisory_lock', 'server_pid': pid,
             'client': client, 'since': backend_start.isoformat()}
    parts = (application_name or '').split()
    if len(parts) == 3 and parts[0] == 'dbmanage':
        host, _, pid = parts[1].rpartition(':')
        found.update(host=host, pid=pid, request_id=parts[2])
    return found


def _mysql_holder(link, name):
    conn, lock = link.dbapi, _mysql_name(name, link.database)
    conn_id = driver.scalar(conn, 'SELECT IS_USED_LOCK(%(n)s)', {'n': lock})
    if conn_id is None:
        return None
    client = driver.scalar(conn, 'SELECT HOST FROM information_schema.PROCESSLIST '
                           'WHERE ID = %(i)s', {'i': conn_id})
    return {'kind': 'get_lock', 'connection_id': conn_id, 'client': client}


def _sqlite_holder(link):
    path = _lock_path(link)
    if path is None or not os.path.exists(path):
        return None
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return None
    except BlockingIOError:
        return {'kind': 'file', 'path': path}
    finally:
        os.close(fd)


def break_(link, found):
    """End the holder's session, which frees its lock (and stops its run)."""
    dialect = link.dialect
    if dialect == 'postgresql':
        driver.query(link.dbapi, 'SELECT pg_terminate_backend(%(p)s)',
                     {'p': found['server_pid']})
    elif dialect in ('mysql', 'mariadb'):
        driver.execute(link.dbapi, 'KILL %d' % int(found['connection_id']))
    else:
        raise errors.OperationFailed('a file lock cannot be broken: stop the '
                                     'process holding %s' % found['path'])
