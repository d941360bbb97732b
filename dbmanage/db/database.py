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

``[database]`` holds oslo.db's options; ``Options`` are the ones that change
how a migration connects, honoured with oslo.db's meaning by every kind of
connection (a URL goes through SQLAlchemy where the driver alone cannot
honour one).
"""
import contextlib
import dataclasses
import logging
import time

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


@dataclasses.dataclass(frozen=True)
class Options:
    """The ``[database]`` options (oslo.db's) that a migration honours; the
    defaults are ``config.DATABASE_DEFAULTS`` and oslo.db's."""
    #: ``a=b&c=d``, appended to the URL's query (to the driver's arguments).
    connection_parameters: str = ''
    #: SET on MySQL sessions; empty or None: the server's.
    mysql_sql_mode: str | None = None
    #: Seconds before a pooled connection is replaced (SQLAlchemy's pool_recycle).
    connection_recycle_time: int = 3600
    #: Seconds to wait for a connection of the pool (SQLAlchemy's default if None).
    pool_timeout: int | None = None
    #: Attempts more to make the first connection (-1: for ever), so many
    #: seconds apart.
    max_retries: int = 0
    retry_interval: int = 10
    #: 50: log every statement (sqlalchemy.engine at INFO), 100: and its rows.
    connection_debug: int = 0

    @classmethod
    def of(cls, group):
        """The options of the ``[database]`` group of a configuration."""
        return cls(**{field.name: group[field.name] for field in dataclasses.fields(cls)})

    @property
    def logs_statements(self):
        return self.connection_debug >= 50


def with_parameters(url, parameters):
    """``url`` with ``a=b&c=d`` appended to its query."""
    if not parameters:
        return url
    return '%s%s%s' % (url, '&' if '?' in url else '?', parameters.lstrip('?&'))


class Database:
    """The database a command works on.

    ``missing``: why there is no URL (a configuration without ``[database]
    connection``); raised, as a UsageError, only by what needs the database.
    """

    def __init__(self, url: str | None, connect_timeout: float = 10.0,
                 embedded: bool = False, missing: str | None = None,
                 options: Options = Options()):
        self._url = with_parameters(url, options.connection_parameters) if url else url
        self.connect_timeout = connect_timeout
        self.embedded = embedded
        self.missing = missing
        self.options = options
        self._engine = None
        self._reader = None
        self._announced = False
        self._reached = False

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
        return errors.OperationFailed('cannot connect to the database %s: %s'
                                      % (self.masked, one_line(exc)))

    def _without_driver(self, exc):
        """The error to raise for a missing module: one line naming the
        extra to install if it is the URL's driver."""
        return self.dialect.missing_driver(exc) or exc

    def _reach(self, connect, failures):
        """``connect()``; a failure (one of ``failures``) is retried only
        until a first connection has worked, as ``[database] max_retries``
        and ``retry_interval`` say (by default not: a server that refuses
        connections is a configuration problem to report at once, not a
        blip inside a running migration)."""
        attempt = 0
        while True:
            try:
                found = connect()
                self._reached = True
                return found
            except ModuleNotFoundError as exc:
                raise self._without_driver(exc) from exc
            except failures as exc:
                attempt += 1
                limit = self.options.max_retries
                if self._reached or not limit or 0 < limit < attempt:
                    raise self.cannot_connect(exc) from exc
                LOG.warning('%s; trying again in %d s (retry %d of %s)',
                            self.cannot_connect(exc).message, self.options.retry_interval,
                            attempt, 'unlimited' if limit < 0 else limit)
                time.sleep(self.options.retry_interval)

    def engine(self):
        """The pooled SQLAlchemy engine: small, so a long-lived agent answers
        quickly; connections are checked before reuse, as the database may
        have restarted since the last command."""
        if self._engine is None:
            import sqlalchemy as sa
            from dbmanage.db import retry
            parsed = urls.parse(self.url)
            dialect = self.dialect
            connect_args = dialect.session_args(self.options)
            if dialect.connect_timeout_arg:
                # A server that does not answer fails in seconds, not at
                # the OS's TCP timeout.
                connect_args[dialect.connect_timeout_arg] = max(1, int(self.connect_timeout))
            pool = {'pool_timeout': self.options.pool_timeout} \
                if self.options.pool_timeout is not None else {}
            engine = sa.create_engine(parsed, pool_size=2, max_overflow=4,
                                      pool_pre_ping=True,
                                      pool_recycle=self.options.connection_recycle_time,
                                      connect_args=connect_args, **pool)
            if self.options.logs_statements:
                logging.getLogger('sqlalchemy.engine').setLevel(
                    logging.DEBUG if self.options.connection_debug >= 100 else logging.INFO)
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
        try:
            engine = self.engine()
        except ModuleNotFoundError as exc:
            raise self._without_driver(exc) from exc
        conn = self._reach(engine.connect, Exception)
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
        opener = driver.direct(self.url, self.connect_timeout, self.options)
        if opener is None:
            with self.connected() as conn:
                with self.classified(conn.dialect.loaded_dbapi.Error):
                    yield links.Link.of(conn)
            return
        self._announce()
        conn = self._reach(lambda: self._opened(opener), driver.DriverError)
        try:
            with self.classified(opener.errors()):
                yield links.Link.direct(opener, conn)
        finally:
            with contextlib.suppress(Exception):
                conn.close()

    @staticmethod
    def _opened(opener):
        try:
            return opener.connect(autocommit=False)
        except opener.errors() as exc:
            raise driver.DriverError(exc) from exc

    def heads(self) -> list[str]:
        """The revision(s) the database is at, sorted."""
        from dbmanage.db import versions
        if self._reader is None:
            self._reader = versions.Reader(self.url, self.connect_timeout, self.options)
        if not self._reader.direct:
            with self.connected() as conn:
                found = versions.heads_of(conn)
                conn.commit()
                return found
        self._announce()
        self._reach(self._reader.connect, driver.DriverError)
        return self._reader.heads()
