"""The database backends, one package each, found by name.

``named('mariadb')`` or ``of(connection)`` gives a backend's ``Dialect``
(``base.Dialect``); its package holds everything that backend needs.
"""
import importlib

from dbmanage import errors

#: Each backend's package; a URL's backend name or SQLAlchemy's dialect name
#: finds it.
_PACKAGES = {'mysql': 'mysql', 'mariadb': 'mysql', 'postgresql': 'postgresql',
             'sqlite': 'sqlite'}
_loaded = {}


def named(name: str):
    """The Dialect of a backend name; UsageError for one dbmanage has none for."""
    package = _PACKAGES.get(name)
    if package is None:
        raise errors.UsageError('no support for the %s database backend (supported: %s)'
                                % (name, ', '.join(sorted(set(_PACKAGES)))))
    if package not in _loaded:
        _loaded[package] = importlib.import_module('%s.%s' % (__name__, package)).Dialect()
    return _loaded[package]


def of(connection):
    """The Dialect of an SQLAlchemy connection or engine."""
    return named(connection.dialect.name)


def load_ddl_rules() -> None:
    """Teach SQLAlchemy each backend's own way of writing DDL (the ``ddl``
    module of a package that has one), before Alembic compiles any."""
    for package in sorted(set(_PACKAGES.values())):
        if named(package).ddl_rules:
            importlib.import_module('%s.%s.ddl' % (__name__, package))


def embedded_url(name: str) -> str:
    """The embedded database's URL: a SQLite file ``<name>.sqlite`` in the
    current folder, for running with no configuration at all."""
    return 'sqlite:///%s.sqlite' % name
