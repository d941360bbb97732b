"""The session lock on one MySQL/MariaDB server: ``GET_LOCK``.

Local to one server: on a Galera cluster the ``galera`` lock kind is taken
instead (see ``Dialect.lock_kind``).
"""
from __future__ import annotations

import typing

import hashlib

from dbmanage.db import driver

if typing.TYPE_CHECKING:
    from dbmanage.db.link import Link


def _name(name, database):
    full = '%s.%s' % (name, database)
    if len(full) > 64:  # GET_LOCK names are limited to 64 characters
        full = full[:47] + '.' + hashlib.sha1(full.encode()).hexdigest()[:16]
    return full


def take(link: Link, name, holder, wait: float):
    """Take the lock within ``wait`` seconds; its release, or None."""
    lock = _name(name, link.database)
    got = driver.scalar(link.dbapi, 'SELECT GET_LOCK(%(n)s, %(t)s)',
                        {'n': lock, 't': wait})
    if got != 1:
        return None
    return lambda: driver.query(link.dbapi, 'SELECT RELEASE_LOCK(%(n)s)', {'n': lock})


def holder(link: Link, name) -> dict | None:
    """The holder's connection, or None; the server knows nothing more of it."""
    lock = _name(name, link.database)
    conn_id = driver.scalar(link.dbapi, 'SELECT IS_USED_LOCK(%(n)s)', {'n': lock})
    if conn_id is None:
        return None
    client = driver.scalar(link.dbapi, 'SELECT HOST FROM information_schema.PROCESSLIST '
                           'WHERE ID = %(i)s', {'i': conn_id})
    return {'kind': 'get_lock', 'connection_id': conn_id, 'client': client}


def break_(link: Link, found) -> None:
    """End the holder's session, which frees its lock (and stops its run)."""
    driver.execute(link.dbapi, 'KILL %d' % int(found['connection_id']))
