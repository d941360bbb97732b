"""A migration lock that a Galera cluster certifies.

``GET_LOCK`` and ``SELECT ... FOR UPDATE`` are local to one Galera node, but
DDL runs in total order on every node and conflicting row writes from two
nodes are certified (one commits, the other gets error 1213 at COMMIT). So
the lock is the table ``dbmanage_lock`` in the service's database, and it
exists only while a run holds it:

* ``CREATE TABLE`` succeeds on one node only (the others get 1050); the
  creator inserts the one row: a fresh token, who holds it, and a lease
  whose expiry comes from the server's clock.
* A thread renews the lease on its own connection while the run lasts.
* A waiter takes over a lease only after it expired, by rewriting the old
  token to a new one (certified: one winner). A table left empty by a
  creator that died before its INSERT is taken over after a lease too.
* Before each revision the holder reads its token back with causal reads
  (``wsrep_sync_wait``) and stops the run if it is no longer there.
* Release drops the table, so an idle database has nothing of the lock.
"""
import contextlib
import json
import logging
import threading
import time
import uuid

from dbmanage_agent import driver
from dbmanage_agent import errors
from dbmanage_agent.locks import holders
from dbmanage_agent.locks import session

LOG = logging.getLogger(__name__)

TABLE = 'dbmanage_lock'
_POLL = 0.1
_TABLE_EXISTS, _DUPLICATE, _NO_TABLE, _DEADLOCK = 1050, 1062, 1146, 1213
_NOW = 'UTC_TIMESTAMP(6)'
_EXPIRES = 'UTC_TIMESTAMP(6) + INTERVAL %(lease)s MICROSECOND'


def is_galera(conn):
    """True on a MariaDB server that is a Galera node (``@@wsrep_on``)."""
    try:
        return bool(driver.scalar(conn, 'SELECT @@global.wsrep_on'))
    except Exception:  # MySQL, or MariaDB built without wsrep
        return False
    finally:
        conn.rollback()


def _code(exc):
    """The MySQL error number of a driver error, else None."""
    args = getattr(exc, 'args', None)
    return args[0] if args and isinstance(args[0], int) else None


def _causal(conn):
    driver.execute(conn, 'SET SESSION wsrep_sync_wait = 1')


def _read(conn):
    """(token, holder dict, expired) of the lock row; None if there is none.

    Raises with error 1146 when the table does not exist.
    """
    rows = driver.query(conn, 'SELECT token, holder, since, expires, expires < %s '
                        'FROM %s WHERE id = 1' % (_NOW, TABLE))
    conn.commit()
    if not rows:
        return None
    token, holder, since, expires, expired = rows[0]
    found = dict(json.loads(holder), kind='galera', since=since.isoformat() + 'Z',
                 expires=expires.isoformat() + 'Z', expired=bool(expired))
    return token, found, bool(expired)


class Hold:
    """One acquisition: its token, lease renewal and fencing check."""
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
        self._empty_since = None
        self._thread = None
        _causal(self._conn)
        self._conn.commit()

    def _params(self, **extra):
        return dict(token=self.token, holder=self.holder,
                    lease=int(self.lease * 1e6), **extra)

    def try_once(self):
        """Try to take the lock once; the holder seen (or None) if busy."""
        conn = self._conn
        try:
            seen = _read(conn)
        except Exception as exc:
            conn.rollback()
            if _code(exc) != _NO_TABLE:
                raise
            return self._create()
        if seen is None:
            return self._claim_empty()
        self._empty_since = None
        token, found, expired = seen
        if not expired:
            return False, found
        try:
            taken = driver.execute(
                conn, 'UPDATE %s SET token = %%(token)s, holder = %%(holder)s, '
                'since = %s, expires = %s WHERE id = 1 AND token = %%(old)s '
                'AND expires < %s' % (TABLE, _NOW, _EXPIRES, _NOW),
                self._params(old=token))
            conn.commit()
        except Exception as exc:
            conn.rollback()
            if _code(exc) in (_DEADLOCK, _NO_TABLE):
                return False, found
            raise
        if taken == 1:
            LOG.warning('took over the migration lock from %s, whose lease '
                        'expired at %s', holders.describe(found), found['expires'])
        return taken == 1, found

    def _create(self):
        conn = self._conn
        try:
            driver.execute(
                conn, 'CREATE TABLE %s (id TINYINT NOT NULL PRIMARY KEY, '
                'token CHAR(32) NOT NULL, holder TEXT NOT NULL, '
                'since DATETIME(6) NOT NULL, expires DATETIME(6) NOT NULL) '
                'ENGINE=InnoDB' % TABLE)
        except Exception as exc:
            conn.rollback()
            if _code(exc) == _TABLE_EXISTS:
                return False, None
            raise
        return self._insert()

    def _claim_empty(self):
        # Either the creator is about to insert its row, or it died between
        # CREATE and INSERT: only a table empty for a whole lease is taken.
        now = time.monotonic()
        if self._empty_since is None:
            self._empty_since = now
        if now - self._empty_since < self.lease:
            return False, None
        return self._insert()

    def _insert(self):
        conn = self._conn
        try:
            driver.execute(
                conn, 'INSERT INTO %s (id, token, holder, since, expires) VALUES '
                '(1, %%(token)s, %%(holder)s, %s, %s)' % (TABLE, _NOW, _EXPIRES),
                self._params())
            conn.commit()
        except Exception as exc:
            conn.rollback()
            if _code(exc) in (_DUPLICATE, _DEADLOCK, _NO_TABLE):
                return False, None
            raise
        return True, None

    def start(self):
        # Reads on the migrating connection see everything the cluster
        # committed before the lock was ours (the revision first of all).
        _causal(self._migrating)
        self._migrating.commit()
        self._thread = threading.Thread(target=self._renew_forever,
                                        name='galera-lock-lease', daemon=True)
        self._thread.start()

    def _renew_forever(self):
        renewed = time.monotonic()
        while not self._stop.wait(self.lease / 3):
            try:
                with self._mutex:
                    count = driver.execute(
                        self._conn, 'UPDATE %s SET expires = %s WHERE id = 1 '
                        'AND token = %%(token)s' % (TABLE, _EXPIRES), self._params())
                    self._conn.commit()
            except Exception as exc:
                LOG.debug('lease renewal failed: %s', exc)
                with contextlib.suppress(Exception):
                    self._conn.rollback()
                if time.monotonic() - renewed > self.lease:
                    self.lost = 'its lease could not be renewed for %.0f s' % self.lease
                    return
                continue
            if count != 1:
                self.lost = 'another run took it over or broke it'
                return
            renewed = time.monotonic()

    def check(self, revision):
        """Raise LockLost unless the lock row still carries our token."""
        reason = self.lost
        if reason is None:
            try:
                with self._mutex:
                    seen = _read(self._conn)
                if seen is None or seen[0] != self.token:
                    reason = 'another run took it over or broke it'
            except Exception as exc:
                with contextlib.suppress(Exception):
                    self._conn.rollback()
                reason = ('it was broken (the lock table is gone)'
                          if _code(exc) == _NO_TABLE else
                          'it could not be read back (%s)'
                          % (str(exc).strip().splitlines() or ['?'])[0])
        if reason:
            self.lost = reason
            raise errors.LockLost(
                'lost the migration lock before revision %s: %s; stopped '
                'between revisions, run the command again to resume'
                % (revision, reason))

    def release(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        try:
            with contextlib.suppress(Exception):
                driver.execute(self._migrating, 'SET SESSION wsrep_sync_wait = 0')
                self._migrating.commit()
            seen = _read(self._conn)
            if seen is not None and seen[0] == self.token:
                driver.execute(self._conn, 'DROP TABLE IF EXISTS %s' % TABLE)
            else:
                LOG.debug('the migration lock was no longer ours at release')
        except Exception as exc:
            # The lease ends by itself; the next run takes the lock over. A
            # run that already reported the lock lost says nothing more.
            (LOG.debug if self.lost else LOG.warning)(
                'could not release the migration lock (its lease will '
                'expire): %s', (str(exc).splitlines() or ['?'])[0])
        finally:
            self._conn.close()


def acquire(link, timeout, lease, holder, on_wait):
    """Take the cluster-wide lock; a started Hold."""
    hold = Hold(link, lease, holder)
    deadline = time.monotonic() + timeout
    waiting = False
    try:
        while True:
            got, found = hold.try_once()
            if got:
                break
            if not waiting and found is not None:
                waiting = True
                on_wait(found)
            if time.monotonic() >= deadline:
                raise session.timeout_error(TABLE, timeout)
            time.sleep(_POLL)
    except Exception:
        hold._conn.close()
        raise
    hold.start()
    return hold


def holder(conn):
    try:
        seen = _read(conn)
    except Exception as exc:
        conn.rollback()
        if _code(exc) == _NO_TABLE:
            return None
        raise
    return seen[1] if seen else {'kind': 'galera', 'state': 'being created'}


def break_(conn):
    driver.execute(conn, 'DROP TABLE IF EXISTS %s' % TABLE)
    conn.commit()
