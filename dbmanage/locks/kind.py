"""What every kind of migration lock implements.

A kind (``session``, ``galera``, ``coordinator``) takes the lock for a run
and gives a ``Hold``; it can also say who holds the lock and break it for
an operator. ``Settings`` carries what a kind needs to know of the
deployment.
"""
import dataclasses
import time

from dbmanage import errors


@dataclasses.dataclass(frozen=True)
class Settings:
    """The migration lock of one service database."""
    #: The service's lock name (``dbmanage.<service>``).
    name: str
    #: The database's name: locks outside the database are named per database.
    database: str | None
    #: This node, for who-holds-it records.
    host: str
    #: Seconds to wait for another run's lock ([db_manage] lock_timeout).
    timeout: float = 300.0
    #: Seconds a Galera or coordinator lock lives without a heartbeat.
    lease: float = 30.0
    #: Seconds for a server (database, coordinator) to answer.
    connect_timeout: float = 10.0
    #: The tooz coordinator's URL ([coordination] backend_url), if any.
    coordinator: str | None = None


class Hold:
    """One acquisition of a lock, held for a run."""
    kind = ''

    def fence(self, what: str) -> None:
        """Raise LockLost unless the lock is still ours: ``what`` runs next."""

    def confirm(self, what: str) -> None:
        """After a failure during ``what``: raise LockLost if the lock is known
        to be gone (the better explanation of the failure). Writes nothing."""

    def release(self) -> None:
        raise NotImplementedError


class Kind:
    name = ''

    def acquire(self, settings: Settings, link, me: dict, timeout: float, on_wait) -> Hold:
        """Take the lock within ``timeout`` seconds, calling ``on_wait(holder)``
        once if another run holds it; LockTimeout when it cannot be had."""
        raise NotImplementedError

    def holder(self, settings: Settings, link) -> dict | None:
        """Who holds the lock now, or None."""
        raise NotImplementedError

    def break_(self, settings: Settings, link, found: dict) -> None:
        """Free the lock ``found`` holds, whoever holds it."""
        raise NotImplementedError


def timeout_error(name, timeout):
    return errors.LockTimeout(
        'migration lock %s is held by another run; gave up after %.0f s '
        '([db_manage] lock_timeout)' % (name, timeout))


def wait_until(try_once, timeout, on_wait, name, interval=0.1):
    """Call ``try_once()`` until it returns (True, _); ``on_wait(found)``
    the first time it returns (False, found) with a holder; LockTimeout
    after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    waiting = False
    while True:
        got, found = try_once()
        if got:
            return
        if not waiting and found is not None:
            waiting = True
            on_wait(found)
        if time.monotonic() >= deadline:
            raise timeout_error(name, timeout)
        time.sleep(interval)
