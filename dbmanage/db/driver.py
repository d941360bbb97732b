"""DB-API connections opened from a database URL by the driver alone.

Reading the revision, and a fresh install from the baseline, need a few
plain statements; importing SQLAlchemy for them would cost more than the
statements themselves. For the usual drivers (PyMySQL, psycopg2, sqlite3)
and URLs with no driver options beyond ``charset``, ``backend(url)``
opens the same connection SQLAlchemy would. Any other URL gets None, and
the caller goes through SQLAlchemy as before.

Statements given to these connections use the ``%(name)s`` parameter
style, which PyMySQL and psycopg2 share (SQLite needs no parameters here).
"""
from dbmanage.db import urls


class DriverError(Exception):
    """A driver error, worded as SQLAlchemy words it: ``(module.Class) text``."""

    def __init__(self, exc):
        kind = type(exc)
        super().__init__('(%s.%s) %s' % (kind.__module__, kind.__qualname__, exc))


class _Backend:
    dialect = None

    def __init__(self, parts, timeout):
        self.parts, self.timeout = parts, max(1, int(timeout))

    @property
    def database(self):
        return self.parts.database


class _MySQL(_Backend):
    dialect = 'mysql'

    def supported(self):
        return (self.parts.driver == 'pymysql'
                and set(self.parts.query) <= {'charset'})

    def connect(self, autocommit=True):
        from dbmanage.db import mysql_tls
        p = self.parts
        kwargs = dict(host=p.host or 'localhost', port=p.port or 3306, user=p.username,
                      password=p.password or '', database=p.database,
                      connect_timeout=self.timeout, autocommit=autocommit)
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


class _PostgreSQL(_Backend):
    dialect = 'postgresql'

    def supported(self):
        return self.parts.driver == 'psycopg2' and not self.parts.query

    def connect(self, autocommit=True):
        import psycopg2
        p = self.parts
        conn = psycopg2.connect(host=p.host, port=p.port, user=p.username,
                                password=p.password, dbname=p.database,
                                connect_timeout=self.timeout)
        conn.autocommit = autocommit
        return conn

    @staticmethod
    def missing_table(exc):
        return getattr(exc, 'pgcode', None) == '42P01'

    @staticmethod
    def errors():
        import psycopg2
        return psycopg2.Error


class _SQLite(_Backend):
    dialect = 'sqlite'

    def supported(self):
        return self.parts.driver in (None, 'pysqlite') and not self.parts.query

    def connect(self, autocommit=True):
        # Never the driver's implicit transactions: it would commit before
        # DDL. Writers say BEGIN themselves, as the engine's connections do.
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


def backend(url, connect_timeout):
    """The driver behind ``url`` if it can be used directly, else None.

    A malformed URL raises UsageError naming the masked URL.
    """
    parts = urls.split(url)
    found = _BACKENDS.get(parts.backend)
    found = found and found(parts, connect_timeout)
    return found if found and found.supported() else None


def query(conn, statement, params=None):
    """All rows of ``statement`` on a DB-API connection."""
    cursor = conn.cursor()
    try:
        cursor.execute(statement, params) if params else cursor.execute(statement)
        return cursor.fetchall() if cursor.description else []
    finally:
        cursor.close()


def execute(conn, statement, params=None):
    """Run ``statement``; the number of rows it changed."""
    cursor = conn.cursor()
    try:
        cursor.execute(statement, params) if params else cursor.execute(statement)
        return cursor.rowcount
    finally:
        cursor.close()


def scalar(conn, statement, params=None):
    rows = query(conn, statement, params)
    return rows[0][0] if rows else None
