"""The per-database migration lock, one for the whole control plane.

Three kinds, picked from the deployment:

* ``[coordination] backend_url`` set: a tooz lock (Redis, etcd), the
  OpenStack convention for locks shared by many nodes (``coordinator``).
* A MariaDB Galera node: a lock the cluster certifies (``galera``).
* Otherwise a session lock on the connection that migrates: PostgreSQL
  advisory lock, ``GET_LOCK`` on one MariaDB/MySQL server, a file lock
  beside a SQLite database (``session``).

Every kind can say who holds it, and can be broken by an operator.
"""
import contextlib
import logging
import time

from dbmanage_agent.locks import holders

LOG = logging.getLogger(__name__)
_HOLD = 'dbmanage.lock'

describe = holders.describe


def _kind(ctx, conn):
    if ctx.coordination_url:
        return 'coordinator'
    if conn.dialect.name in ('mysql', 'mariadb'):
        from dbmanage_agent.locks import galera
        if galera.is_galera(conn):
            return 'galera'
    return 'session'


def _coordinator_name(ctx):
    from dbmanage_agent import dburl
    return '%s.%s' % (ctx.service.lock_name, dburl.parse(ctx.url).database)


@contextlib.contextmanager
def held(ctx, conn, request_id):
    """Hold the migration lock of ``ctx``'s database while ``conn`` migrates.

    Yields the hold: ``waited`` seconds, and ``check(revision)``, which
    raises LockLost once the lock is no longer ours. The connection leaves
    with no transaction open, so the migration that follows starts and
    commits its own.
    """
    kind = _kind(ctx, conn)
    me = holders.record(ctx.host, request_id, kind)

    def on_wait(found):
        LOG.warning('waiting up to %.0f s for the migration lock held by %s',
                    ctx.lock_timeout, describe(found))

    started = time.monotonic()
    if kind == 'coordinator':
        from dbmanage_agent.locks import coordinator
        hold = coordinator.acquire(ctx.coordination_url, _coordinator_name(ctx),
                                   ctx.lock_timeout, ctx.lock_lease,
                                   ctx.connect_timeout, me, on_wait)
    elif kind == 'galera':
        from dbmanage_agent.locks import galera
        hold = galera.acquire(ctx.engine(), conn, ctx.lock_timeout,
                              ctx.lock_lease, me, on_wait)
    else:
        from dbmanage_agent.locks import session
        hold = session.acquire(conn, ctx.service.lock_name, ctx.lock_timeout,
                               me, lambda: on_wait(session.holder(
                                   conn, ctx.service.lock_name)))
    hold.waited = time.monotonic() - started
    conn.commit()
    conn.info[_HOLD] = hold
    try:
        yield hold
    finally:
        conn.info.pop(_HOLD, None)
        try:
            if conn.in_transaction():
                conn.rollback()
            hold.release()
            conn.commit()
        except Exception:
            # A session lock that could not be released must not go back to
            # the pool with its connection: drop the connection, and the
            # server frees the lock with it.
            conn.invalidate()


def fence(conn):
    """The check to run before each revision on ``conn``, if it holds a lock."""
    hold = conn.info.get(_HOLD)
    return hold.check if hold is not None else None


def holder(ctx, conn):
    """Who holds the migration lock now (a dict), or None."""
    kind = _kind(ctx, conn)
    if kind == 'coordinator':
        from dbmanage_agent.locks import coordinator
        return coordinator.holder(ctx.coordination_url, _coordinator_name(ctx),
                                  ctx.lock_lease, ctx.connect_timeout, ctx.host)
    if kind == 'galera':
        from dbmanage_agent.locks import galera
        return galera.holder(conn)
    from dbmanage_agent.locks import session
    found = session.holder(conn, ctx.service.lock_name)
    conn.rollback()
    return found


def break_(ctx, conn, found):
    """Free the lock ``found`` holds, whoever holds it."""
    kind = _kind(ctx, conn)
    if kind == 'coordinator':
        from dbmanage_agent.locks import coordinator
        coordinator.break_(ctx.coordination_url, _coordinator_name(ctx),
                           ctx.lock_lease, ctx.connect_timeout, ctx.host)
    elif kind == 'galera':
        from dbmanage_agent.locks import galera
        galera.break_(conn)
    else:
        from dbmanage_agent.locks import session
        session.break_(conn, ctx.service.lock_name, found)
        conn.commit()
