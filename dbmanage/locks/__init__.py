"""The per-database migration lock, one for the whole control plane.

The database always holds the lock itself, on the connection that migrates:

* a MariaDB Galera node: a lock the cluster certifies (``galera``);
* otherwise a session lock: PostgreSQL advisory lock, ``GET_LOCK`` on one
  MariaDB/MySQL server, a file lock beside a SQLite database (``session``).

With ``[coordination] backend_url`` set, a tooz lock (Redis, etcd,
ZooKeeper: the OpenStack convention for locks shared by many nodes,
``coordinator``) is taken first, and the database's lock under it. So nodes
configured with and without a coordinator still exclude each other, and a
coordinator that can only exclude processes of one host (``file://``,
``ipc://``) or cannot be loaded is not used, with one warning line.

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

from dbmanage.locks import holders

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


def _database_kind(link):
    if link.dialect in ('mysql', 'mariadb'):
        from dbmanage.locks import galera
        if galera.is_galera(link.dbapi):
            return 'galera'
    return 'session'


_refused = set()   # coordinator URLs already reported unusable by this process


def _coordinator_url(ctx):
    """The coordinator URL to lock through, or None."""
    url = ctx.coordination_url
    if not url:
        return None
    from dbmanage.locks import coordinator
    reason = coordinator.refusal(url)
    if reason is None:
        return url
    if url not in _refused:
        _refused.add(url)
        LOG.warning('[coordination] backend_url is not used for the migration lock: '
                    '%s; the database lock alone keeps runs apart', reason)
    return None


def _coordinator_name(ctx):
    from dbmanage.db import urls
    return '%s.%s' % (ctx.service.lock_name, urls.split(ctx.url).database)


class _Holds:
    """The locks one run holds, outermost first, as one hold."""

    def __init__(self, holds):
        self.holds = holds
        self.kind = holds[-1].kind
        self.waited = 0.0

    def verify(self, what):
        """Raise LockLost unless every lock is still ours; ``what`` is about
        to run."""
        for hold in self.holds:
            hold.fence(what)

    def check(self, revision):
        """The fence before each revision."""
        self.verify('revision %s' % revision)

    def fence(self, what):
        """Raise LockLost unless the database's lock is still ours: the fence
        before each statement (a no-op for session locks, which die with the
        connection that migrates)."""
        self.holds[-1].fence(what)

    def confirm(self, what):
        """After a failure during ``what``: raise LockLost if a lock is known
        to be gone (the better explanation of the failure); writes nothing."""
        for hold in self.holds:
            hold.confirm(what)

    def release(self):
        """Release every lock, innermost first; one that fails does not keep
        the others held. Returns False if any failed."""
        released = True
        for hold in reversed(self.holds):
            try:
                hold.release()
            except Exception as exc:
                released = False
                LOG.debug('releasing the %s lock failed: %s', hold.kind, exc)
        return released


def _acquire(ctx, link, kind, me, on_wait):
    deadline = time.monotonic() + ctx.lock_timeout

    def remaining():
        return max(0.0, deadline - time.monotonic())

    holds = []
    try:
        url = _coordinator_url(ctx)
        if url:
            from dbmanage.locks import coordinator
            holds.append(coordinator.acquire(url, _coordinator_name(ctx), remaining(),
                                             ctx.lock_lease, ctx.connect_timeout, me,
                                             on_wait))
        if kind == 'galera':
            from dbmanage.locks import galera
            holds.append(galera.acquire(link, remaining(), ctx.lock_lease, me, on_wait))
        else:
            from dbmanage.locks import session
            holds.append(session.acquire(link, ctx.service.lock_name, remaining(), me,
                                         lambda: on_wait(session.holder(
                                             link, ctx.service.lock_name))))
    except BaseException:
        _Holds(holds).release() if holds else None
        raise
    return _Holds(holds)


@contextlib.contextmanager
def held(ctx, link, request_id):
    """Hold the migration lock of ``ctx``'s database while ``link`` migrates.

    Yields the hold: ``waited`` seconds, ``check(revision)`` and
    ``fence(what)``, which raise LockLost once the lock is no longer ours.
    The connection leaves with no transaction open, so the migration that
    follows starts and commits its own. Whatever the migration's connection
    went through (a lost connection included), every lock is released on
    the way out.
    """
    kind = _database_kind(link)
    me = holders.record(ctx.host, request_id, kind)

    def on_wait(found):
        LOG.warning('waiting up to %.0f s for the migration lock held by %s',
                    ctx.lock_timeout, describe(found))

    started = time.monotonic()
    hold = _acquire(ctx, link, kind, me, on_wait)
    hold.waited = time.monotonic() - started
    try:
        link.dbapi.commit()
        yield hold
    finally:
        tidy = True
        try:
            link.rollback()
        except Exception as exc:
            tidy = False
            LOG.debug('rollback before releasing the migration lock failed: %s', exc)
        tidy = hold.release() and tidy
        if tidy:
            try:
                link.dbapi.commit()
            except Exception:
                tidy = False
        if not tidy:
            # A session lock that could not be released must not go back to
            # the pool with its connection: drop the connection, and the
            # server frees the lock with it.
            with contextlib.suppress(Exception):
                link.discard()


def _database_holder(ctx, link):
    if _database_kind(link) == 'galera':
        from dbmanage.locks import galera
        return galera.holder(link.dbapi)
    from dbmanage.locks import session
    found = session.holder(link, ctx.service.lock_name)
    link.dbapi.rollback()
    return found


def holder(ctx, link):
    """Who holds the migration lock now (a dict), or None."""
    url = _coordinator_url(ctx)
    if url:
        from dbmanage.locks import coordinator
        found = coordinator.holder(url, _coordinator_name(ctx), ctx.lock_lease,
                                   ctx.connect_timeout, ctx.host)
        if found is not None:
            return found
    return _database_holder(ctx, link)


def break_(ctx, link, found):
    """Free the lock ``found`` holds, whoever holds it: the coordinator's and
    the database's."""
    url = _coordinator_url(ctx)
    if url:
        from dbmanage.locks import coordinator
        coordinator.break_(url, _coordinator_name(ctx), ctx.lock_lease,
                           ctx.connect_timeout, ctx.host)
        found = _database_holder(ctx, link)
        if found is None:
            return
    if _database_kind(link) == 'galera':
        from dbmanage.locks import galera
        galera.break_(link.dbapi)
    else:
        from dbmanage.locks import session
        session.break_(link, found)
        link.dbapi.commit()
