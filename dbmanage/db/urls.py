"""The one place database URLs are resolved, validated, masked and opened.

``split`` parses a URL without SQLAlchemy (read-only commands use the DB
driver directly); ``parse`` builds SQLAlchemy's URL from the same parts.
"""
import dataclasses
import logging
import re
from urllib.parse import parse_qsl
from urllib.parse import unquote

from dbmanage import errors
from dbmanage import masking

LOG = logging.getLogger(__name__)

# Driver arguments that make an unreachable server fail in seconds instead
# of the OS's TCP timeout.
_CONNECT_TIMEOUT_ARG = {
    'mysql': 'connect_timeout',
    'mariadb': 'connect_timeout',
    'postgresql': 'connect_timeout',
}


def resolve(connection, service, sources=()):
    """The URL to use: the configured one, else, when no configuration was
    read at all (``sources``: the files read), the service's embedded file.

    Returns ``(url, embedded)``.
    """
    if connection:
        masking.register_url(connection)
        return connection, False
    if sources:
        # A configuration that lost its connection must not look like a
        # successful run on a new local file.
        raise errors.UsageError('no [database] connection in %s (the embedded '
                                'database is only for running without any '
                                'configuration)' % ', '.join(sources))
    return service.embedded_url, True


_URL = re.compile(r"""
    (?P<drivername>[\w+]+)://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/?]+)\]|(?P<ipv4host>[^/:?]+))?(?::(?P<port>[^/?]*))?)?
    (?:/(?P<database>[^?]*))?
    (?:\?(?P<query>.*))?
    """, re.X)


@dataclasses.dataclass(frozen=True)
class Parts:
    """A database URL taken apart, with user, password and database unquoted."""
    drivername: str
    username: str | None = None
    password: str | None = None
    host: str | None = None
    port: int | None = None
    database: str | None = None
    query: dict = dataclasses.field(default_factory=dict)

    @property
    def backend(self):
        return self.drivername.split('+', 1)[0]

    @property
    def driver(self):
        return self.drivername.split('+', 1)[1] if '+' in self.drivername else None


def _malformed(url, reason):
    return errors.UsageError('malformed database URL %s: %s'
                             % (masking.scrub(url), masking.scrub(reason)))


def split(url):
    """The URL's parts; UsageError naming the masked URL if malformed."""
    found = _URL.match(url)
    if found is None:
        raise _malformed(url, 'Could not parse SQLAlchemy URL from given URL string')
    parts = found.groupdict()
    query = {}
    for key, value in parse_qsl(parts.pop('query') or ''):
        if key not in query:
            query[key] = value
        else:  # a repeated key keeps every value, as SQLAlchemy does
            query[key] = (*(query[key] if isinstance(query[key], tuple)
                            else (query[key],)), value)
    for key in ('username', 'password', 'database'):
        if parts[key] is not None:
            parts[key] = unquote(parts[key])
    parts['host'] = parts.pop('ipv4host') or parts.pop('ipv6host')
    parts.pop('ipv6host', None)
    try:
        parts['port'] = int(parts['port']) if parts['port'] else None
    except ValueError as exc:
        raise _malformed(url, exc)
    if parts['password']:
        masking.register(parts['password'], names=(
            parts['username'], parts['database'], parts['host']))
    return Parts(query=query, **parts)


def parse(url):
    """A SQLAlchemy URL object; UsageError naming the masked URL if malformed."""
    import sqlalchemy as sa
    parts = split(url)
    try:
        parsed = sa.engine.URL.create(**dataclasses.asdict(parts))
        parsed.get_dialect()
    except Exception as exc:
        raise _malformed(url, exc)
    if parsed.get_backend_name() == 'mariadb':
        # The migrations branch on the dialect name 'mysql'; SQLAlchemy's
        # MySQL dialect detects a MariaDB server by itself.
        parsed = parsed.set(drivername=parsed.drivername.replace('mariadb', 'mysql', 1))
    return parsed


def masked(url):
    return masking.scrub(url)


def dialect_name(url):
    return parse(url).get_dialect().name


def create_engine(url, connect_timeout):
    """An engine with a small pool, so a long-lived agent answers quickly.

    Connections are checked before reuse: the database may have restarted
    since the last command.
    """
    import sqlalchemy as sa
    parsed = parse(url)
    connect_args = {}
    arg = _CONNECT_TIMEOUT_ARG.get(parsed.get_backend_name())
    if arg:
        connect_args[arg] = max(1, int(connect_timeout))
    engine = sa.create_engine(parsed, pool_size=2, max_overflow=4,
                              pool_pre_ping=True, pool_recycle=3600,
                              connect_args=connect_args)
    if parsed.get_backend_name() == 'sqlite':
        _transactional_sqlite(engine)
    elif parsed.get_driver_name() == 'pymysql':
        _preferred_tls_made_once(engine)
    return engine


def _preferred_tls_made_once(engine):
    """PyMySQL connections, with the preferred-TLS context made once (see
    ``mysql_tls``); the arguments are SQLAlchemy's, TLS options included."""
    from sqlalchemy import event

    @event.listens_for(engine, 'do_connect')
    def _connect(dialect, conn_rec, cargs, cparams):
        from dbmanage.db import mysql_tls
        return mysql_tls.connect(*cargs, **cparams)


def _transactional_sqlite(engine):
    """Let SQLite run DDL inside the transaction SQLAlchemy begins.

    pysqlite opens transactions only before INSERT/UPDATE/DELETE, so DDL
    would commit statement by statement; SQLite itself rolls DDL back like
    anything else. SQLAlchemy's documented recipe: no implicit transactions
    in the driver, and an explicit BEGIN whenever SQLAlchemy begins one.
    """
    from sqlalchemy import event

    @event.listens_for(engine, 'connect')
    def _no_driver_transactions(dbapi_connection, record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, 'begin')
    def _begin(conn):
        conn.exec_driver_sql('BEGIN')
