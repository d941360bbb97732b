"""The per-database migration lock, one for the whole control plane.

Three kinds, picked from the deployment:

* ``[coordination] backend_url`` set: a tooz lock (Redis, etcd), the
  OpenStack convention for locks shared by many nodes (``coordinator``).
* A MariaDB Galera node: a lock the cluster certifies (``galera``).
* Otherwise a session lock on the connection that migrates: PostgreSQL
  advisory lock, ``GET_LOCK`` on one MariaDB/MySQL server, a file lock
  beside a SQLite database (``session``).

Every kind can say who holds it, and can be broken by an operator.

Locks speak to the database through plain DB-API connections (``Link``),
so a fresh install that opens its connection with the driver alone
(``driver``) takes the same lock as a migration through SQLAlchemy.
"""
import contextlib
import dataclasses
import logging
import time
import typing

from dbmanage_agent.locks import holders

LOG = logging.getLogger(__name__)

describe = holders.describe


@dataclasses.dataclass
class Link:
    """The database as a lock sees it."""
    dialect: str
    database: str | None
    #: The DB-API connection that migrates (a session lock lives on it).
    dbapi: object
    #: Opens another DB-API connection (the Galera lock renews its lease there).
    connect: typing.Callable
    #: Ends whatever transaction the migration left open.
    rollback: typing.Callable
    #: Drops the connection, and with it any session lock the server holds.
    discard: typing.Callable

    @classmethod
    def of(cls, conn):
        """The link of an SQLAlchemy connection: its own DB-API connection."""
        return cls(dialect=conn.dialect.name, database=conn.engine.url.database,
                   dbapi=conn.connection.driver_connection,
                   connect=conn.engine.raw_connection,
                   rollback=lambda: conn.in_transaction() and conn.rollback(),
                   discard=conn.invalidate)

    @classmethod
    def direct(cls, backend, conn):
        """The link of a connection ``backend`` (``driver``) opened."""
        return cls(dialect=backend.dialect, database=backend.database, dbapi=conn,
                   connect=lambda: backend.connect(autocommit=False),
                   rollback=conn.rollback, discard=conn.close)


def _kind(ctx, link):
    if ctx.coordination_url:
        return 'coordinator'
    if link.dialect in ('mysql', 'mariadb'):
        from dbmanage_agent.locks import galera
        if galera.is_galera(link.dbapi):
            return 'galera'
    return 'session'


def _coordinator_name(ctx):
    from dbmanage_agent import dburl
    return '%s.%s' % (ctx.service.lock_name, dburl.split(ctx.url).database)


@contextlib.contextmanager
def held(ctx, link, request_id):
    """Hold the migration lock of ``ctx``'s database while ``link`` migrates.

    Yields the hold: ``waited`` seconds, and ``check(revision)``, which
    raises LockLost once the lock is no longer ours (the fence to run before
    each revision). The connection leaves with no transaction open, so the
    migration that follows starts and commits its own.
    """
    kind = _kind(ctx, link)
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
        hold = galera.acquire(link, ctx.lock_timeout, ctx.lock_lease, me, on_wait)
    else:
        from dbmanage_agent.locks import session
        hold = session.acquire(link, ctx.service.lock_name, ctx.lock_timeout,
                               me, lambda: on_wait(session.holder(
                                   link, ctx.service.lock_name)))
    hold.waited = time.monotonic() - started
    link.dbapi.commit()
    try:
        yield hold
    finally:
        try:
            link.rollback()
            hold.release()
            link.dbapi.commit()
        except Exception:
            # A session lock that could not be released must not go back to
            # the pool with its connection: drop the connection, and the
            # server frees the lock with it.
            link.discard()


def holder(ctx, link):
    """Who holds the migration lock now (a dict), or None."""
    kind = _kind(ctx, link)
    if kind == 'coordinator':
        from dbmanage_agent.locks import coordinator
        return coordinator.holder(ctx.coordination_url, _coordinator_name(ctx),
                                  ctx.lock_lease, ctx.connect_timeout, ctx.host)
    if kind == 'galera':
        from dbmanage_agent.locks import galera
        return galera.holder(link.dbapi)
    from dbmanage_agent.locks import session
    found = session.holder(link, ctx.service.lock_name)
    link.dbapi.rollback()
    return found


def break_(ctx, link, found):
    """Free the lock ``found`` holds, whoever holds it."""
    kind = _kind(ctx, link)
    if kind == 'coordinator':
        from dbmanage_agent.locks import coordinator
        coordinator.break_(ctx.coordination_url, _coordinator_name(ctx),
                           ctx.lock_lease, ctx.connect_timeout, ctx.host)
    elif kind == 'galera':
        from dbmanage_agent.locks import galera
        galera.break_(link.dbapi)
    else:
        from dbmanage_agent.locks import session
        session.break_(link, found)
        link.dbapi.commit()
