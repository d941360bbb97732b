"""The one place database URLs are resolved, validated, masked and opened."""
import logging

from dbmanage_agent import errors
from dbmanage_agent import masking

LOG = logging.getLogger(__name__)

# Driver arguments that make an unreachable server fail in seconds instead
# of the OS's TCP timeout.
_CONNECT_TIMEOUT_ARG = {
    'mysql': 'connect_timeout',
    'mariadb': 'connect_timeout',
    'postgresql': 'connect_timeout',
}


def resolve(connection, service):
    """The URL to use: the configured one, else the service's embedded file.

    Returns ``(url, embedded)``.
    """
    if connection:
        masking.register_url(connection)
        return connection, False
    return service.embedded_url, True


def parse(url):
    """A SQLAlchemy URL object; UsageError naming the masked URL if malformed."""
    import sqlalchemy as sa
    try:
        parsed = sa.engine.make_url(url)
        parsed.get_dialect()
    except Exception as exc:
        raise errors.UsageError('malformed database URL %s: %s'
                                % (masking.scrub(url), masking.scrub(exc)))
    if parsed.password:
        masking.register(str(parsed.password))
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
    return engine


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
