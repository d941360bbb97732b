"""The live schema of a database, read in a few catalog queries per backend.

Only the chain's tables count: ``alembic_version`` (the revision is checked
on its own) and the ``dbmanage_*`` tables a run keeps only while it holds
the lock are left out.
"""
import datetime
import decimal

from dbmanage import dialects
from dbmanage.schema import model

VERSION_TABLE = 'alembic_version'


def ignored(name):
    """Whether a table is the tool's own rather than the chain's."""
    return name == VERSION_TABLE or name.startswith('dbmanage_')


def reflect(connection, tables=None, rows=None):
    """The schema of the database ``connection`` (a SQLAlchemy Connection) is on.

    ``tables``: only these table names (the result's ``scope``), for a cheap
    look at the tables pending revisions touch; None: every table.
    ``rows``: the table names whose rows to read too (the seeded tables), or
    ``'all'``; None reads no rows and a comparison then skips them.
    """
    dialect = dialects.of(connection)
    scope = None if tables is None else frozenset(tables)

    def included(name):
        return not ignored(name) and (scope is None or name in scope)

    found = dialect.schema.tables(connection, included, scope)
    read = None
    if rows is not None:
        names = sorted(found) if rows == 'all' else sorted(set(rows) & set(found))
        read = {name: _rows(connection, name) for name in names}
    return model.Schema(dialect.name, found, read, scope)


def _rows(connection, table):
    quoted = connection.dialect.identifier_preparer.quote(table)
    result = connection.exec_driver_sql('SELECT * FROM %s' % quoted)
    names = list(result.keys())
    return tuple({name: plain(value) for name, value in zip(names, row)} for row in result)


def plain(value):
    """A column value as JSON holds it: text for times, decimals and bytes."""
    if isinstance(value, (datetime.date, datetime.time, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return 'x' + bytes(value).hex()
    return value


