"""A database connection at the DB-API level, as the migration lock and
the baseline install use it."""
import dataclasses
import typing


@dataclasses.dataclass
class Link:
    """One DB-API connection and what the runtime needs to manage it."""
    #: The backend's ``dialects`` Dialect.
    dialect: object
    database: str | None
    #: The DB-API connection that migrates (a session lock lives on it).
    dbapi: object
    #: Opens another DB-API connection (the Galera lock's heartbeat runs there).
    connect: typing.Callable
    #: Ends whatever transaction the migration left open.
    rollback: typing.Callable
    #: Drops the connection, and with it any session lock the server holds.
    discard: typing.Callable

    @classmethod
    def of(cls, conn):
        """The link of an SQLAlchemy connection: its own DB-API connection."""
        from dbmanage import dialects
        return cls(dialect=dialects.of(conn), database=conn.engine.url.database,
                   dbapi=conn.connection.driver_connection,
                   connect=conn.engine.raw_connection,
                   rollback=lambda: conn.in_transaction() and conn.rollback(),
                   discard=conn.invalidate)

    @classmethod
    def direct(cls, opener, conn):
        """The link of a connection a ``driver.Direct`` opened."""
        return cls(dialect=opener.dialect, database=opener.database, dbapi=conn,
                   connect=lambda: opener.connect(autocommit=False),
                   rollback=conn.rollback, discard=conn.close)
