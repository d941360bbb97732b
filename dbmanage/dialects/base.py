"""What the rest of dbmanage asks of a database backend.

Each backend is a package of ``dbmanage.dialects`` whose ``Dialect``
subclass answers the questions below; nothing outside those packages (and
the URL parser) names a backend. The connection facts live in the class
itself; the session lock's in the package's ``lock`` module, the plan's claims in
its ``plan`` module and the reading of its live schema in its ``schema``
module, which only the code that needs them loads (``dialect.lock``,
``dialect.plan``, ``dialect.schema``).
"""
import functools
import importlib
import time

from dbmanage import errors


class Dialect:
    #: SQLAlchemy's name of the dialect, as ``connection.dialect.name`` says.
    name: str = ''
    #: How people call the server (in messages and plans).
    title: str = ''
    #: The backend names of URLs this dialect serves (``mariadb+pymysql://``).
    backends: tuple = ()
    #: The DB-API driver this dialect opens connections with by itself.
    driver: str | None = None
    #: The driver's module, and the extra of dbmanage that installs it.
    module: str | None = None
    extra: str | None = None
    #: Does DDL join the transaction? Without it (MySQL) a revision commits
    #: statement by statement, and crash safety needs the journal.
    transactional_ddl: bool = True
    #: The DB-API connect() keyword that bounds connecting.
    connect_timeout_arg: str | None = None
    #: The tables of the current schema, one name per row.
    list_tables: str = ''
    #: How a seed row stamps the install time, in UTC and in the session's zone.
    now: dict = {}
    #: SQL quoting of an identifier.
    quote: str = '"%s"'
    #: Alembic's batch mode copies a table into a new one to alter it.
    batch_recreates: bool = False
    #: Has the package a ``ddl`` module that changes how SQLAlchemy writes
    #: some DDL for this backend (``dialects.load_ddl_rules``)?
    ddl_rules: bool = False

    # -- connections the driver opens by itself (no SQLAlchemy) -------------

    def direct(self, parts) -> bool:
        """Can the driver open this URL by itself, exactly as SQLAlchemy would
        (the URL's driver is ours and it carries no driver options)?"""
        return False

    def connect(self, parts, timeout: float, autocommit: bool = True, **session):
        """A DB-API connection to the URL ``parts`` (``urls.Parts``), with
        the driver arguments of ``session_args``."""
        raise NotImplementedError

    def session_args(self, options) -> dict:
        """The driver's connect() arguments that honour the ``[database]``
        options (``database.Options``) on every session."""
        return {}

    def missing_driver(self, exc):
        """A UsageError naming the extra that installs the driver, if the
        ModuleNotFoundError ``exc`` is the driver's absence; else None."""
        if self.extra and exc.name == self.module:
            return errors.UsageError("the %s driver %s is not installed: pip install "
                                     "'dbmanage[%s]'" % (self.title, self.module, self.extra))
        return None

    def errors(self) -> type:
        """The driver's base error class."""
        raise NotImplementedError

    def missing_table(self, exc) -> bool:
        """Does this driver error say the table does not exist?"""
        return False

    def begin(self, dbapi) -> None:
        """Open a transaction on a driver connection in autocommit."""

    # -- SQLAlchemy ---------------------------------------------------------

    def configure_engine(self, engine) -> None:
        """Anything an engine of this dialect needs beyond SQLAlchemy's defaults."""

    # -- the migration lock ---------------------------------------------------

    def lock_kind(self, dbapi) -> str:
        """The database lock to take on this server: ``session``, or
        ``galera`` on a server that is a node of a Galera cluster."""
        return 'session'

    # -- loaded on first use ---------------------------------------------------

    @functools.cached_property
    def lock(self):
        """The module of this dialect's session lock (``acquire``, ``holder``, ``break_``)."""
        return importlib.import_module(type(self).__module__ + '.lock')

    @functools.cached_property
    def plan(self):
        """The module of this dialect's plan claims."""
        return importlib.import_module(type(self).__module__ + '.plan')

    @functools.cached_property
    def online(self):
        """The module of this dialect's ``--online`` ways (``migrate.online``)."""
        return importlib.import_module(type(self).__module__ + '.online')

    @functools.cached_property
    def schema(self):
        """The module that reads this dialect's live schema (``tables``)."""
        return importlib.import_module(type(self).__module__ + '.schema')

    def __repr__(self):
        return '<dialect %s>' % self.name


def poll(try_once, seconds, interval=0.05):
    """Call ``try_once()`` until it returns a true value or ``seconds`` pass;
    that value, or None."""
    deadline = time.monotonic() + seconds
    while True:
        found = try_once()
        if found or time.monotonic() >= deadline:
            return found or None
        time.sleep(interval)
