"""The per-database migration lock, held on the connection that migrates.

Taking the lock on the migration's own connection means losing the lock and
losing the work are one event: if the server drops the session, both go.
PostgreSQL and MariaDB free a dead holder's session lock within
milliseconds. SQLite has no sessions, so a file lock beside the database
does the same job (the kernel frees it when the holder dies).

MariaDB's GET_LOCK is local to one server: agents pointed at different
Galera nodes do not exclude each other. Point every agent of a Galera
cluster at the same node (or a proxy that pins writers to one).
"""
import contextlib
import fcntl
import hashlib
import os
import time

import sqlalchemy as sa

from dbmanage_agent import errors

_POLL = 0.05


def _pg_key(name):
    """A signed 64-bit advisory-lock key derived from the lock name."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], 'big', signed=True)


def _mysql_name(name, database):
    full = '%s.%s' % (name, database)
    if len(full) > 64:  # GET_LOCK names are limited to 64 characters
        full = full[:47] + '.' + hashlib.sha1(full.encode()).hexdigest()[:16]
    return full


def _timeout(name, timeout):
    return errors.LockTimeout(
        'migration lock %s is held by another run; gave up after %.0f s '
        '([db_manage] lock_timeout)' % (name, timeout))


def _acquire_pg(conn, name, timeout):
    key = _pg_key(name)
    deadline = time.monotonic() + timeout
    while not conn.execute(sa.text('SELECT pg_try_advisory_lock(:k)'),
                           {'k': key}).scalar():
        if time.monotonic() >= deadline:
            raise _timeout(name, timeout)
        time.sleep(_POLL)
    return lambda: conn.execute(sa.text('SELECT pg_advisory_unlock(:k)'),
                                {'k': key})


def _acquire_mysql(conn, name, timeout):
    lock = _mysql_name(name, conn.engine.url.database)
    got = conn.execute(sa.text('SELECT GET_LOCK(:n, :t)'),
                       {'n': lock, 't': timeout}).scalar()
    if got != 1:
        raise _timeout(name, timeout)
    return lambda: conn.execute(sa.text('SELECT RELEASE_LOCK(:n)'),
                                {'n': lock})


def _acquire_sqlite(conn, name, timeout):
    path = conn.engine.url.database
    if not path or path == ':memory:':
        return lambda: None
    fd = os.open(os.path.abspath(path) + '.lock', os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise _timeout(name, timeout)
            time.sleep(_POLL)
    return lambda: os.close(fd)


_ACQUIRE = {
    'postgresql': _acquire_pg,
    'mysql': _acquire_mysql,
    'mariadb': _acquire_mysql,
    'sqlite': _acquire_sqlite,
}


@contextlib.contextmanager
def held(conn, name, timeout):
    """Hold the migration lock ``name`` on ``conn``; yields seconds waited.

    The connection leaves with no transaction open, so the migration that
    follows starts and commits its own.
    """
    acquire = _ACQUIRE.get(conn.dialect.name)
    if acquire is None:
        raise errors.UsageError('no migration lock for the %s backend'
                                % conn.dialect.name)
    started = time.monotonic()
    release = acquire(conn, name, timeout)
    waited = time.monotonic() - started
    conn.commit()
    try:
        yield waited
    finally:
        try:
            if conn.in_transaction():
                conn.rollback()
            release()
            conn.commit()
        except Exception:
            # A session lock that could not be released must not go back to
            # the pool with its connection: drop the connection, and the
            # server frees the lock with it.
            conn.invalidate()
