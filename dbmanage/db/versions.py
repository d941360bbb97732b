"""The revision a database is at: one query through the DB driver.

``SELECT version_num FROM alembic_version`` is all read-only commands need
from the database, so for the usual drivers (PyMySQL, psycopg2, sqlite3)
it runs without SQLAlchemy, whose import would cost more than the whole
answer. Any other URL goes through SQLAlchemy and Alembic as before.
A reader keeps its connection (in autocommit, so every read sees the latest
revision) for the agent's next call, and opens a new one if that has died.
"""
import threading

from dbmanage.db import driver

QUERY = 'SELECT version_num FROM alembic_version'


class Reader:
    """Reads the revision(s) recorded in one database."""

    def __init__(self, url, connect_timeout, options=None):
        self._backend = driver.direct(url, connect_timeout, options)
        self._conn = None
        self._lock = threading.Lock()

    @property
    def direct(self):
        """True if the driver is used directly (no SQLAlchemy needed)."""
        return self._backend is not None

    def connect(self):
        """Open (or keep) the connection; DriverError if the server refuses."""
        with self._lock:
            self._connect()

    def _connect(self):
        if self._conn is None:
            try:
                self._conn = self._backend.connect()
            except self._backend.errors() as exc:
                raise driver.DriverError(exc) from exc

    def heads(self):
        """The sorted revisions in alembic_version; [] without the table."""
        with self._lock:
            reused = self._conn is not None
            self._connect()
            try:
                return self._read()
            except self._backend.errors() as exc:
                if self._backend.missing_table(exc):
                    return []
                self.close_locked()
                if not reused:
                    raise driver.DriverError(exc) from exc
            # The kept connection had died (a server restart): once more.
            self._connect()
            try:
                return self._read()
            except self._backend.errors() as exc:
                if self._backend.missing_table(exc):
                    return []
                self.close_locked()
                raise driver.DriverError(exc) from exc

    def _read(self):
        cursor = self._conn.cursor()
        try:
            cursor.execute(QUERY)
            return sorted(row[0] for row in cursor.fetchall())
        finally:
            cursor.close()

    def close_locked(self):
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # already gone: nothing to release
                pass
            self._conn = None

    def close(self):
        with self._lock:
            self.close_locked()


def heads_of(conn) -> list[str]:
    """The sorted revisions recorded on an SQLAlchemy connection; [] without
    the table (the same question as ``Reader.heads``, through SQLAlchemy)."""
    import sqlalchemy as sa
    if not sa.inspect(conn).has_table('alembic_version'):
        return []
    return sorted(row[0] for row in conn.exec_driver_sql(QUERY))
