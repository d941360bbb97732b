"""The revision a database is at: one query through the DB driver.

``SELECT version_num FROM alembic_version`` is all read-only commands need
from the database, so for the usual drivers (PyMySQL, psycopg2, sqlite3)
it runs without SQLAlchemy, whose import would cost more than the whole
answer. Any other URL goes through SQLAlchemy and Alembic as before.
A reader keeps its connection (in autocommit, so every read sees the latest
revision) for the agent's next call, and opens a new one if that has died.
"""
import threading

from dbmanage_agent import dburl

QUERY = 'SELECT version_num FROM alembic_version'


class DriverError(Exception):
    """A driver error, worded as SQLAlchemy words it: ``(module.Class) text``."""

    def __init__(self, exc):
        kind = type(exc)
        super().__init__('(%s.%s) %s' % (kind.__module__, kind.__qualname__, exc))


class _MySQL:
    def __init__(self, parts, timeout):
        self.parts, self.timeout = parts, timeout

    def supported(self):
        return (self.parts.driver == 'pymysql'
                and set(self.parts.query) <= {'charset'})

    def connect(self):
        from dbmanage_agent import mysql_tls
        p = self.parts
        kwargs = dict(host=p.host or 'localhost', port=p.port or 3306, user=p.username,
                      password=p.password or '', database=p.database,
                      connect_timeout=self.timeout, autocommit=True)
        if 'charset' in p.query:
            kwargs['charset'] = p.query['charset']
        return mysql_tls.connect(**kwargs)

    @staticmethod
    def missing_table(exc):
        return getattr(exc, 'args', (None,))[0] == 1146

    @staticmethod
    def errors():
        import pymysql
        return pymysql.err.Error


class _PostgreSQL:
    def __init__(self, parts, timeout):
        self.parts, self.timeout = parts, timeout

    def supported(self):
        return self.parts.driver == 'psycopg2' and not self.parts.query

    def connect(self):
        import psycopg2
        p = self.parts
        conn = psycopg2.connect(host=p.host, port=p.port, user=p.username,
                                password=p.password, dbname=p.database,
                                connect_timeout=self.timeout)
        conn.autocommit = True
        return conn

    @staticmethod
    def missing_table(exc):
        return getattr(exc, 'pgcode', None) == '42P01'

    @staticmethod
    def errors():
        import psycopg2
        return psycopg2.Error


class _SQLite:
    def __init__(self, parts, timeout):
        self.parts = parts

    def supported(self):
        return self.parts.driver in (None, 'pysqlite') and not self.parts.query

    def connect(self):
        import sqlite3
        return sqlite3.connect(self.parts.database or ':memory:',
                               isolation_level=None, check_same_thread=False)

    @staticmethod
    def missing_table(exc):
        return str(exc).startswith('no such table')

    @staticmethod
    def errors():
        import sqlite3
        return sqlite3.Error


_BACKENDS = {'mysql': _MySQL, 'mariadb': _MySQL, 'postgresql': _PostgreSQL,
             'sqlite': _SQLite}


class Reader:
    """Reads the revision(s) recorded in one database."""

    def __init__(self, url, connect_timeout):
        parts = dburl.split(url)
        backend = _BACKENDS.get(parts.backend)
        self._backend = backend and backend(parts, max(1, int(connect_timeout)))
        self._conn = None
        self._lock = threading.Lock()

    @property
    def direct(self):
        """True if the driver is used directly (no SQLAlchemy needed)."""
        return bool(self._backend and self._backend.supported())

    def connect(self):
        """Open (or keep) the connection; DriverError if the server refuses."""
        with self._lock:
            self._connect()

    def _connect(self):
        if self._conn is None:
            try:
                self._conn = self._backend.connect()
            except self._backend.errors() as exc:
                raise DriverError(exc) from exc

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
                    raise DriverError(exc) from exc
            # The kept connection had died (a server restart): once more.
            self._connect()
            try:
                return self._read()
            except self._backend.errors() as exc:
                if self._backend.missing_table(exc):
                    return []
                self.close_locked()
                raise DriverError(exc) from exc

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
