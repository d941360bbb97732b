"""A migration lock that a Galera cluster certifies.

``GET_LOCK`` and ``SELECT ... FOR UPDATE`` are local to one Galera node, but
DDL runs in total order on every node and conflicting row writes from two
nodes are certified (one commits, the other gets error 1213 at COMMIT). So
the lock is the table ``dbmanage_lock`` in the service's database, and it
exists only while a run holds it:

* ``CREATE TABLE`` succeeds on one node only (the others get 1050); the
  creator inserts the one row: a fresh token, who holds it, and a heartbeat
  count (``beat``).
* The holder writes the row, bumping ``beat``, every lease/3 from a thread,
  and again on the connection that migrates right before every statement it
  runs (``fence``). That write names the holder's token and commits only if
  the cluster certifies it, so a statement starts only while the lock is
  provably the holder's; a write still pending from the migration commits
  with it, or not at all.
* A waiter takes the row over only after watching its ``beat`` stand still
  for a whole lease on the waiter's own monotonic clock: no server clock, and
  no clock skew between nodes, takes part. Reads are causal
  (``wsrep_sync_wait``): while a DDL statement runs in total order, the
  holder's heartbeat cannot commit, and the waiter's reads wait behind the
  same statement; a read that waited starts the lease again. The takeover
  rewrites exactly the (token, beat) it watched, so it is certified against
  any heartbeat that won the race.
* Release writes the row once more, then drops the table, so an idle
  database has nothing of the lock.
"""
from __future__ import annotations

import typing

import contextlib
import json
import logging
import threading
import time
import uuid

from dbmanage import errors
from dbmanage.db import driver
from dbmanage.locks import holders
from dbmanage.locks import kind

if typing.TYPE_CHECKING:
    from dbmanage.db.link import Link
    from dbmanage.locks.kind import Settings

LOG = logging.getLogger(__name__)

TABLE = 'dbmanage_lock'
_POLL = 0.1
_TABLE_EXISTS, _DUPLICATE, _NO_TABLE, _NO_COLUMN = 1050, 1062, 1146, 1054
_LOCK_WAIT, _DEADLOCK = 1205, 1213
_NOW = 'UTC_TIMESTAMP(6)'


def _code(exc):
    """The MySQL error number of a driver error, else None."""
    args = getattr(exc, 'args', None)
    return args[0] if args and isinstance(args[0], int) else None


def _first_line(exc):
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _causal(conn):
    driver.execute(conn, 'SET SESSION wsrep_sync_wait = 1')


class _Row:
    """The lock row as read: its version is what a takeover must match."""

    def __init__(self, columns, values):
        row = dict(zip(columns, values))
        self.token = row.get('token')
        self.beat = row.get('beat')
        #: A row of another layout (an older dbmanage): any change counts.
        self.foreign = self.beat is None
        self.version = tuple(values) if self.foreign else (self.token, self.beat)
        self.lease = row['lease_us'] / 1e6 if row.get('lease_us') else None
        try:
            who = json.loads(row.get('holder') or '{}')
        except ValueError:
            who = {}
        self.holder = dict(who, kind='galera')
        for name in ('since', 'renewed'):
            if row.get(name) is not None:
                self.holder[name] = row[name].isoformat() + 'Z'
        if self.lease:
            self.holder['lease'] = self.lease


def _read(conn):
    """The lock row, or None if the table is empty; raises with error 1146
    when there is no table."""
    cursor = conn.cursor()
    try:
        cursor.execute('SELECT * FROM %s WHERE id = 1' % TABLE)
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        cursor.close()
    conn.commit()
    return _Row(columns, rows[0]) if rows else None


class Hold(kind.Hold):
    """One acquisition: its token, heartbeat and fence."""
    kind = 'galera'

    def __init__(self, link, lease, holder):
        self.lease = lease
        self.token = uuid.uuid4().hex
        self.holder = json.dumps(holder, sort_keys=True)
        self.lost = None
        self._migrating = link.dbapi
        self._conn = link.connect()
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._watched = None      # (version, monotonic time it was first seen)
        self._thread = None
        _causal(self._conn)
        self._conn.commit()

    def _params(self, **extra):
        return dict(token=self.token, holder=self.holder,
                    lease=int(self.lease * 1e6), **extra)

    # -- waiting ----------------------------------------------------------

    def try_once(self):
        """Try to take the lock once; (taken, holder seen or None)."""
        conn = self._conn
        asked = time.monotonic()
        try:
            row = _read(conn)
        except Exception as exc:
            conn.rollback()
            if _code(exc) == _NO_TABLE:
                self._watched = None
                return self._create()
            if _code(exc) in (_LOCK_WAIT, _DEADLOCK):
                self._watched = None   # the read waited out its causal wait
                return False, None
            raise
        answered = time.monotonic()
        version = row.version if row else 'empty'
        if self._watched is None or self._watched[0] != version \
                or answered - asked > self.lease / 2:
            # Changed, new to us, or the read waited behind a statement that
            # runs in total order (which the heartbeat waits behind too): the
            # lease counts from now.
            self._watched = (version, answered)
            return False, row.holder if row else None
        lease = max(self.lease, (row.lease or 0) if row else 0)
        if asked - self._watched[1] < lease:
            return False, row.holder if row else None
        if row is None:
            # A creator that died between its CREATE and its INSERT.
            return self._insert()
        return self._take_over(row)

    def _take_over(self, row):
        conn = self._conn
        try:
            if row.foreign:
                driver.execute(conn, 'DROP TABLE %s' % TABLE)
                self._watched = None
                return False, row.holder
            taken = driver.execute(
                conn, 'UPDATE %s SET token = %%(token)s, holder = %%(holder)s, '
                'since = %s, renewed = %s, beat = 0, lease_us = %%(lease)s '
                'WHERE id = 1 AND token = %%(old)s AND beat = %%(beat)s'
                % (TABLE, _NOW, _NOW), self._params(old=row.token, beat=row.beat))
            conn.commit()
        except Exception as exc:
            conn.rollback()
            if _code(exc) in (_DEADLOCK, _LOCK_WAIT, _NO_TABLE, _TABLE_EXISTS):
                self._watched = None
                return False, row.holder
            raise
        if taken == 1:
            LOG.warning('took over the migration lock from %s, whose heartbeat '
                        'stood still for %.0f s', holders.describe(row.holder),
                        max(self.lease, row.lease or 0))
        return taken == 1, row.holder

    def _create(self):
        conn = self._conn
        try:
            driver.execute(
                conn, 'CREATE TABLE %s (id TINYINT NOT NULL PRIMARY KEY, '
                'token CHAR(32) NOT NULL, holder TEXT NOT NULL, '
                'since DATETIME(6) NOT NULL, renewed DATETIME(6) NOT NULL, '
                'beat BIGINT NOT NULL, lease_us BIGINT NOT NULL) ENGINE=InnoDB' % TABLE)
        except Exception as exc:
            conn.rollback()
            if _code(exc) == _TABLE_EXISTS:
                return False, None
            raise
        return self._insert()

    def _insert(self):
        conn = self._conn
        try:
            driver.execute(
                conn, 'INSERT INTO %s (id, token, holder, since, renewed, beat, lease_us) '
                'VALUES (1, %%(token)s, %%(holder)s, %s, %s, 0, %%(lease)s)'
                % (TABLE, _NOW, _NOW), self._params())
            conn.commit()
        except Exception as exc:
            conn.rollback()
            if _code(exc) == _NO_COLUMN:
                # An empty table of another layout (an older dbmanage's),
                # left for a whole lease: start again with ours.
                driver.execute(conn, 'DROP TABLE IF EXISTS %s' % TABLE)
                self._watched = None
                return False, None
            if _code(exc) in (_DUPLICATE, _DEADLOCK, _NO_TABLE):
                return False, None
            raise
        return True, None

    # -- holding ----------------------------------------------------------

    def start(self) -> None:
        # Reads on the migrating connection see everything the cluster
        # committed before the lock was ours (the revision first of all).
        _causal(self._migrating)
        self._migrating.commit()
        self._thread = threading.Thread(target=self._renew_forever,
                                        name='galera-lock-heartbeat', daemon=True)
        self._thread.start()

    def _beat(self, conn):
        """One certified heartbeat on ``conn``: True if the row is still ours."""
        count = driver.execute(conn, 'UPDATE %s SET beat = beat + 1, renewed = %s '
                               'WHERE id = 1 AND token = %%(token)s' % (TABLE, _NOW),
                               self._params())
        if count != 1:
            conn.rollback()
            return False
        conn.commit()
        return True

    def _still_ours(self):
        """Is the row still ours? A causal read on the lock's own connection
        answers True or False; None if the read failed."""
        try:
            with self._mutex:
                row = _read(self._conn)
        except Exception as exc:
            with contextlib.suppress(Exception):
                self._conn.rollback()
            return False if _code(exc) == _NO_TABLE else None
        return row is not None and row.token == self.token

    def _renew_forever(self):
        renewed = time.monotonic()
        while not self._stop.wait(self.lease / 3):
            try:
                with self._mutex:
                    ours = self._beat(self._conn)
            except Exception as exc:
                with contextlib.suppress(Exception):
                    self._conn.rollback()
                if _code(exc) == _DEADLOCK and self._still_ours() is False:
                    self.lost = 'another run took it over'
                    return
                LOG.debug('lease renewal failed: %s', exc)
                if time.monotonic() - renewed > self.lease:
                    self.lost = 'its lease could not be renewed for %.0f s' % self.lease
                    return
                continue
            if not ours:
                self.lost = 'another run took it over or broke it'
                return
            renewed = time.monotonic()

    def fence(self, what: str) -> None:
        """Raise LockLost unless a heartbeat on the migrating connection
        commits: what that connection runs next runs under the lock, and what
        it has pending commits with the heartbeat."""
        reason = self.lost
        if reason is None:
            try:
                with self._mutex:
                    if not self._beat(self._migrating):
                        reason = 'another run took it over or broke it'
            except Exception as exc:
                with contextlib.suppress(Exception):
                    self._migrating.rollback()
                code = _code(exc)
                if code == _NO_TABLE:
                    reason = 'it was broken (the lock table is gone)'
                elif code == _DEADLOCK and self._still_ours() is False:
                    reason = 'another run took it over'
                else:
                    # The migration's own pending rows lost a certification
                    # race with another writer: a transient error, retried.
                    raise
        if reason:
            self.lost = reason
            raise errors.LockLost(
                'lost the migration lock before %s: %s; stopped there, run the '
                'command again to resume' % (what, reason))

    def confirm(self, what: str) -> None:
        """After a failure: raise LockLost if the lock is known to be gone,
        which explains the failure (another run changed what this one was
        working on). Writes nothing."""
        if self.lost is None and self._still_ours() is False:
            self.lost = 'another run took it over or broke it'
        if self.lost:
            raise errors.LockLost(
                'lost the migration lock during %s: %s; stopped there, run the '
                'command again to resume' % (what, self.lost))

    def release(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        try:
            with contextlib.suppress(Exception):
                driver.execute(self._migrating, 'SET SESSION wsrep_sync_wait = 0')
                self._migrating.commit()
            # The heartbeat proves the row ours and gives a whole lease to
            # drop it in; a row no longer ours is someone else's to drop.
            with self._mutex:
                ours = self.lost is None and self._beat(self._conn)
            if ours:
                driver.execute(self._conn, 'DROP TABLE IF EXISTS %s' % TABLE)
            else:
                LOG.debug('the migration lock was no longer ours at release')
        except Exception as exc:
            # The heartbeat stops, so a waiter takes over after a lease. A
            # run that already reported the lock lost says nothing more.
            (LOG.debug if self.lost else LOG.warning)(
                'could not release the migration lock (a waiter takes it over '
                'after a lease): %s', _first_line(exc))
        finally:
            with contextlib.suppress(Exception):
                self._conn.close()


class Galera(kind.Kind):
    name = 'galera'

    def acquire(self, settings: Settings, link: Link, me: dict, timeout: float, on_wait):
        hold = Hold(link, settings.lease, me)
        try:
            kind.wait_until(hold.try_once, timeout, on_wait, TABLE, _POLL)
        except Exception:
            hold._conn.close()
            raise
        hold.start()
        return hold

    def holder(self, settings: Settings, link: Link) -> dict | None:
        conn = link.dbapi
        try:
            row = _read(conn)
        except Exception as exc:
            conn.rollback()
            if _code(exc) == _NO_TABLE:
                return None
            raise
        return row.holder if row else {'kind': 'galera', 'state': 'being created'}

    def break_(self, settings: Settings, link: Link, found) -> None:
        driver.execute(link.dbapi, 'DROP TABLE IF EXISTS %s' % TABLE)
        link.dbapi.commit()


KIND = Galera()
