"""DB-API connections opened from a database URL by the driver alone.

Reading the revision, and a fresh install from the baseline, need a few
plain statements; importing SQLAlchemy for them would cost more than the
statements themselves. For the usual drivers (PyMySQL, psycopg2, sqlite3)
and URLs with no driver options beyond ``charset``, ``direct(url)``
opens the same connection SQLAlchemy would. Any other URL gets None, and
the caller goes through SQLAlchemy.

Statements given to these connections use the ``%(name)s`` parameter
style, which PyMySQL and psycopg2 share (SQLite needs no parameters here).
"""
from __future__ import annotations

from dbmanage import dialects
from dbmanage.db import urls


class DriverError(Exception):
    """A driver error, worded as SQLAlchemy words it: ``(module.Class) text``."""

    def __init__(self, exc):
        kind = type(exc)
        super().__init__('(%s.%s) %s' % (kind.__module__, kind.__qualname__, exc))


class Direct:
    """Opens connections to one URL with its dialect's driver."""

    def __init__(self, dialect, parts, timeout, session=None):
        self.dialect, self.parts = dialect, parts
        self.timeout = max(1, int(timeout))
        self.session = session or {}

    @property
    def database(self):
        return self.parts.database

    def connect(self, autocommit=True):
        return self.dialect.connect(self.parts, self.timeout, autocommit, **self.session)

    def errors(self):
        return self.dialect.errors()

    def missing_table(self, exc):
        return self.dialect.missing_table(exc)


def direct(url: str, connect_timeout: float, options=None):
    """A Direct for ``url`` if its driver can be used directly, else None.

    ``options`` (``database.Options``): the ``[database]`` options, which
    the connections honour; one the driver cannot honour by itself (logging
    statements) leaves the URL to SQLAlchemy. A malformed URL raises
    UsageError naming the masked URL; a backend dbmanage does not support,
    too.
    """
    parts = urls.split(url)
    dialect = dialects.named(parts.backend)
    if not dialect.direct(parts) or (options is not None and options.logs_statements):
        return None
    session = dialect.session_args(options) if options is not None else {}
    return Direct(dialect, parts, connect_timeout, session)


def query(conn, statement: str, params=None):
    """All rows of ``statement`` on a DB-API connection."""
    cursor = conn.cursor()
    try:
        cursor.execute(statement, params) if params else cursor.execute(statement)
        return cursor.fetchall() if cursor.description else []
    finally:
        cursor.close()


def execute(conn, statement: str, params=None):
    """Run ``statement``; the number of rows it changed."""
    cursor = conn.cursor()
    try:
        cursor.execute(statement, params) if params else cursor.execute(statement)
        return cursor.rowcount
    finally:
        cursor.close()


def scalar(conn, statement: str, params=None):
    rows = query(conn, statement, params)
    return rows[0][0] if rows else None
