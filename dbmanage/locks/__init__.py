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

Every kind implements ``kind.Kind``: it can say who holds the lock, and an
operator can break it.
"""
from __future__ import annotations

import typing

import contextlib
import logging
import time

from dbmanage.locks import coordinator
from dbmanage.locks import galera
from dbmanage.locks import holders
from dbmanage.locks import kind
from dbmanage.locks import session

if typing.TYPE_CHECKING:
    from dbmanage.db.link import Link
    from dbmanage.locks.kind import Settings

LOG = logging.getLogger(__name__)

Settings = kind.Settings
describe = holders.describe

#: Every kind of lock, by name.
KINDS = {k.name: k for k in (session.KIND, galera.KIND, coordinator.KIND)}

_refused = set()   # coordinator URLs already reported unusable by this process


def _coordinated(settings):
    """Is a coordinator to be locked through?"""
    url = settings.coordinator
    if not url:
        return False
    reason = coordinator.refusal(url)
    if reason is None:
        return True
    if url not in _refused:
        _refused.add(url)
        LOG.warning('[coordination] backend_url is not used for the migration lock: '
                    '%s; the database lock alone keeps runs apart', reason)
    return False


def _kinds(settings, link):
    """The kinds to take, outermost first."""
    database = KINDS[link.dialect.lock_kind(link.dbapi)]
    return [KINDS['coordinator'], database] if _coordinated(settings) else [database]


class Holds:
    """The locks one run holds, outermost first, as one hold."""

    def __init__(self, holds):
        self.holds = holds
        self.kind = holds[-1].kind
        self.waited = 0.0

    def verify(self, what: str):
        """Raise LockLost unless every lock is still ours; ``what`` is about
        to run."""
        for hold in self.holds:
            hold.fence(what)

    def check(self, revision: str | None) -> None:
        """The fence before each revision."""
        self.verify('revision %s' % revision)

    def fence(self, what: str) -> None:
        """Raise LockLost unless the database's lock is still ours: the fence
        before each statement (a no-op for session locks, which die with the
        connection that migrates)."""
        self.holds[-1].fence(what)

    def confirm(self, what: str) -> None:
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


def _acquire(settings, link, kinds, me, on_wait):
    deadline = time.monotonic() + settings.timeout
    holds = []
    try:
        for found in kinds:
            holds.append(found.acquire(settings, link, me,
                                       max(0.0, deadline - time.monotonic()), on_wait))
    except BaseException:
        Holds(holds).release() if holds else None
        raise
    return Holds(holds)


@contextlib.contextmanager
def held(settings: Settings, link: Link, request_id: str):
    """Hold the migration lock while ``link`` migrates.

    Yields the hold (``Holds``): ``waited`` seconds, ``check(revision)``,
    ``fence(what)`` and ``verify(what)``, which raise LockLost once the lock
    is no longer ours. The connection leaves with no transaction open, so
    the migration that follows starts and commits its own. Whatever the
    migration's connection went through (a lost connection included), every
    lock is released on the way out.
    """
    kinds = _kinds(settings, link)
    me = holders.record(settings.host, request_id, kinds[-1].name)

    def on_wait(found):
        LOG.warning('waiting up to %.0f s for the migration lock held by %s',
                    settings.timeout, describe(found))

    started = time.monotonic()
    hold = _acquire(settings, link, kinds, me, on_wait)
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


def holder(settings: Settings, link: Link) -> dict | None:
    """Who holds the migration lock now (a dict), or None."""
    found = None
    for lock in _kinds(settings, link):
        found = found or lock.holder(settings, link)
    return found


def break_(settings: Settings, link: Link, found) -> None:
    """Free the migration lock, whoever holds it: every kind that is held."""
    for lock in _kinds(settings, link):
        held_by = found if lock.name == found.get('kind') else lock.holder(settings, link)
        if held_by is not None:
            lock.break_(settings, link, held_by)
