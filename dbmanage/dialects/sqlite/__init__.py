"""SQLite, through the standard library's sqlite3 (the embedded default)."""
from __future__ import annotations

from dbmanage.dialects import base


class Dialect(base.Dialect):
    name = 'sqlite'
    title = 'SQLite'
    backends = ('sqlite',)
    driver = 'pysqlite'
    list_tables = ("SELECT name FROM sqlite_master WHERE type = 'table' "
                   "AND name NOT LIKE 'sqlite_%'")
    now = {'utc': "datetime('now')", 'local': 'CURRENT_TIMESTAMP'}
    batch_recreates = True

    def direct(self, parts):
        return parts.driver in (None, self.driver) and not parts.query

    def connect(self, parts, timeout: float, autocommit: bool = True, **session):
        # Never the driver's implicit transactions: it would commit before
        # DDL. Writers say BEGIN themselves (``begin``), as the engine's
        # connections do.
        import sqlite3
        return sqlite3.connect(parts.database or ':memory:', isolation_level=None,
                               check_same_thread=False)

    def errors(self):
        import sqlite3
        return sqlite3.Error

    def missing_table(self, exc: BaseException) -> bool:
        return str(exc).startswith('no such table')

    def begin(self, dbapi):
        dbapi.cursor().execute('BEGIN')

    def configure_engine(self, engine):
        """Let SQLite run DDL inside the transaction SQLAlchemy begins.

        pysqlite opens transactions only before INSERT/UPDATE/DELETE, so DDL
        would commit statement by statement; SQLite itself rolls DDL back
        like anything else. SQLAlchemy's documented recipe: no implicit
        transactions in the driver, and an explicit BEGIN whenever
        SQLAlchemy begins one.
        """
        from sqlalchemy import event

        @event.listens_for(engine, 'connect')
        def _no_driver_transactions(dbapi_connection, record):
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, 'begin')
        def _begin(conn):
            conn.exec_driver_sql('BEGIN')
