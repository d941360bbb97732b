"""The session lock on SQLite: a file lock beside the database file.

SQLite has no sessions; the kernel frees a dead holder's file lock as a
server frees a dead session's lock.
"""
from __future__ import annotations

import typing

import fcntl
import os

from dbmanage import errors
from dbmanage.dialects import base

if typing.TYPE_CHECKING:
    from dbmanage.db.link import Link


def _path(link):
    path = link.database
    if not path or path == ':memory:':
        return None
    return os.path.abspath(path) + '.lock'


def take(link: Link, name, holder, wait: float):
    """Take the lock within ``wait`` seconds; its release, or None."""
    path = _path(link)
    if path is None:
        return lambda: None   # a private in-memory database
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def try_once():
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
    if not base.poll(try_once, wait):
        os.close(fd)
        return None
    return lambda: os.close(fd)


def holder(link: Link, name) -> dict | None:
    path = _path(link)
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


def break_(link: Link, found) -> None:
    raise errors.OperationFailed('a file lock cannot be broken: stop the process '
                                 'holding %s' % found['path'])
