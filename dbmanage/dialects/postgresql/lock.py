"""The session lock on PostgreSQL: an advisory lock, its holder named in
``application_name``."""
from __future__ import annotations

import typing

import hashlib

from dbmanage.db import driver
from dbmanage.dialects import base

if typing.TYPE_CHECKING:
    from dbmanage.db.link import Link

_APP_NAME = 63  # PostgreSQL truncates application_name at NAMEDATALEN - 1


def _key(name):
    """A signed 64-bit advisory-lock key derived from the lock name."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], 'big', signed=True)


def app_name(holder) -> str:
    """The holder as PostgreSQL's application_name shows it to others."""
    return ('dbmanage %s:%s %s' % (holder['host'], holder['pid'],
                                   holder['request_id']))[:_APP_NAME]


def take(link: Link, name, holder, wait: float):
    """Take the lock within ``wait`` seconds; its release, or None."""
    conn, key = link.dbapi, _key(name)
    if not base.poll(lambda: driver.scalar(conn, 'SELECT pg_try_advisory_lock(%(k)s)',
                                           {'k': key}), wait):
        return None
    driver.query(conn, "SELECT set_config('application_name', %(n)s, false)",
                 {'n': app_name(holder)})

    def release():
        driver.query(conn, "SELECT set_config('application_name', '', false)")
        driver.query(conn, 'SELECT pg_advisory_unlock(%(k)s)', {'k': key})
    return release


def holder(link: Link, name) -> dict | None:
    key = _key(name) & 0xFFFFFFFFFFFFFFFF
    rows = driver.query(
        link.dbapi, 'SELECT a.pid, a.application_name, a.backend_start, '
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


def break_(link: Link, found) -> None:
    """End the holder's session, which frees its lock (and stops its run)."""
    driver.query(link.dbapi, 'SELECT pg_terminate_backend(%(p)s)', {'p': found['server_pid']})
