"""Session locks, held on the connection that migrates.

Taking the lock on the migration's own connection means losing the lock and
losing the work are one event: if the server drops the session, both go.
PostgreSQL (advisory lock) and a single MariaDB/MySQL server (``GET_LOCK``)
free a dead holder's session lock within milliseconds; SQLite has no
sessions, so a file lock beside the database does the same job (the kernel
frees it when the holder dies). How each backend does it is in its
dialect's ``lock`` module (``take``, ``holder``, ``break_``).
"""
from __future__ import annotations

import typing

from dbmanage.locks import kind

if typing.TYPE_CHECKING:
    from dbmanage.db.link import Link
    from dbmanage.locks.kind import Settings


class Hold(kind.Hold):
    kind = 'session'

    def __init__(self, release):
        self._release = release

    def fence(self, what: str) -> None:
        """Nothing to fence: the lock dies with the connection that migrates."""

    def release(self):
        self._release()


class Session(kind.Kind):
    name = 'session'

    def acquire(self, settings: Settings, link: Link, me: dict, timeout: float, on_wait):
        backend = link.dialect.lock
        release = backend.take(link, settings.name, me, 0)
        if release is None:
            on_wait(backend.holder(link, settings.name))
            release = backend.take(link, settings.name, me, timeout)
        if release is None:
            raise kind.timeout_error(settings.name, timeout)
        return Hold(release)

    def holder(self, settings: Settings, link: Link) -> dict | None:
        found = link.dialect.lock.holder(link, settings.name)
        link.dbapi.rollback()
        return found

    def break_(self, settings: Settings, link: Link, found) -> None:
        link.dialect.lock.break_(link, found)
        link.dbapi.commit()


KIND = Session()
