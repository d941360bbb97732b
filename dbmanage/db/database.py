"""One service database: its URL, and every way dbmanage connects to it.

Three kinds of connection, each for what it costs:

* ``heads()``: the revision, through the driver alone (``versions``);
* ``linked()``: a DB-API connection the driver opens by itself where the
  URL allows (the lock, a fresh install from the baseline: no SQLAlchemy);
* ``connected()``: an SQLAlchemy connection from a small pooled engine
  (Alembic, the plan).

Driver errors come out classified by oslo.db (``retry``) whichever kind
raised them, and a server that refuses connections is one line naming the
masked URL.
"""
import contextlib
import logging

from dbmanage import dialects
from dbmanage import errors
from dbmanage import masking
from dbmanage.db import driver
from dbmanage.db import link as links
from dbmanage.db import urls

LOG = logging.getLogger(__name__)


def one_line(exc) -> str:
    """The first line of an error, masked (the driver's own message where
    SQLAlchemy or oslo.db wrapped it)."""
    text = str(getattr(exc, 'inner_exception', None) or exc).strip()
    return masking.scrub(text.splitlines()[0] if text else type(exc).__name__)


class Database:
    """The database a command works on.

    ``missing``: why there is no URL (a configuration without ``[database]
    connection``); raised, as a UsageError, only by what needs the database.
    """

    def __init__(self, url: str | None, connect_timeout: float = 10.0,
                 embedded: bool = False, missing: str | None = None):
        self._url = url
        self.connect_timeout = connect_timeout
        self.embedded = embedded
        self.missing = missing
        self._engine = None
        self._reader = None
        self._announced = False

    @property
    def url(self) -> str:
        if self._url is None:
            raise errors.UsageError(self.missing or 'no [database] connection configured')
        return self._url

    @property
    def masked(self) -> str | None:
        return urls.masked(self._url) if self._url else None

    @property
    def name(self) -> str | None:
        return urls.split(self.url).database

    @property
    def dialect(self):
        return dialects.named(urls.split(self.url).backend)

    def _announce(self):
        if self.embedded and not self._announced:
            self._announced = True
            LOG.warning('using the embedded database %s (no [database] '
                        'connection configured)', self._url)

    def cannot_connect(self, exc) -> errors.OperationFailed:
        # Not retried: a server that refuses connections is a configuration
        # problem to report at once, not a blip inside a running migration.
        return errors.OperationFailed('cannot connect to the database %s: %s'
                                      % (self.masked, one_line(exc)))

    def engine(self):
        """The pooled SQLAlchemy engine: small, so a long-lived agent answers
        quickly; connections are checked before reuse, as the database may
        have restarted since the last command."""
        if self._engine is None:
            import sqlalchemy as sa
            from dbmanage.db import retry
            parsed = urls.parse(self.url)
            dialect = self.dialect
            connect_args = {}
            if dialect.connect_timeout_arg:
                # A server that does not answer fails in seconds, not at
                # the OS's TCP timeout.
                connect_args[dialect.connect_timeout_arg] = max(1, int(self.connect_timeout))
            engine = sa.create_engine(parsed, pool_size=2, max_overflow=4,
                                      pool_pre_ping=True, pool_recycle=3600,
                                      connect_args=connect_args)
            dialect.configure_engine(engine)
            retry.classify_errors(engine)
            self._engine = engine
        return self._engine

    def dispose(self):
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self._reader is not None:
            self._reader.close()

    @contextlib.contextmanager
    def connected(self):
        """An SQLAlchemy connection from the engine."""
        self._announce()
        engine = self.engine()
        try:
            conn = engine.connect()
        except Exception as exc:
            raise self.cannot_connect(exc) from exc
        try:
            yield conn
        finally:
            with contextlib.suppress(Exception):
                conn.close()

    @contextlib.contextmanager
    def classified(self, dbapi_error):
        """Driver errors of statements run on a bare DB-API connection (the
        locks', the baseline's), classified as the engine classifies its own."""
        try:
            yield
        except dbapi_error as exc:
            from dbmanage.db import retry
            raise retry.classified(exc, self.url) from exc

    @contextlib.contextmanager
    def linked(self):
        """The database as a ``link.Link``: a connection the driver opens by
        itself where the URL allows (no SQLAlchemy), else an engine's."""
        opener = driver.direct(self.url, self.connect_timeout)
        if opener is None:
            with self.connected() as conn:
                with self.classified(conn.dialect.loaded_dbapi.Error):
                    yield links.Link.of(conn)
            return
        self._announce()
        try:
            conn = opener.connect(autocommit=False)
        except opener.errors() as exc:
            raise self.cannot_connect(driver.DriverError(exc)) from exc
        try:
            with self.classified(opener.errors()):
                yield links.Link.direct(opener, conn)
        finally:
            with contextlib.suppress(Exception):
                conn.close()

    def heads(self) -> list[str]:
        """The revision(s) the database is at, sorted."""
        from dbmanage.db import versions
        if self._reader is None:
            self._reader = versions.Reader(self.url, self.connect_timeout)
        if not self._reader.direct:
            with self.connected() as conn:
                found = versions.heads_of(conn)
                conn.commit()
                return found
        self._announce()
        try:
            self._reader.connect()
        except driver.DriverError as exc:
            raise self.cannot_connect(exc) from exc
        return self._reader.heads()
