"""A database's schema, and how it differs from a chain revision's recorded one.

Standalone: the standard library, SQLAlchemy and the DB-API drivers only.

    found = reflect(connection)                      # the live schema
    wanted = expected('mistral', 'mysql', '040')     # from the chain's data files
    for difference in diff(found, wanted, '040'):
        print(difference)                            # one line each; .to_dict() for JSON

``verify(connection, service, revision, tables=None)`` does both, seeded rows
included; ``tables`` limits the look to the tables pending revisions touch.
``matching(found, service, dialect)`` lists the revisions a database equals
exactly, ``closest()`` the nearest one and its differences. See docs/schema.md.
"""
from dbmanage.schema.compare import Difference
from dbmanage.schema.compare import closest
from dbmanage.schema.compare import diff
from dbmanage.schema.compare import matching
from dbmanage.schema.compare import missing_rows
from dbmanage.schema.compare import touched
from dbmanage.schema.compare import verify
from dbmanage.schema.model import Schema
from dbmanage.schema.live import reflect
from dbmanage.schema.snapshots import NoData
from dbmanage.schema.snapshots import changed
from dbmanage.schema.snapshots import expected
from dbmanage.schema.snapshots import revisions
from dbmanage.schema.snapshots import seeded_tables

__all__ = ['Difference', 'NoData', 'Schema', 'changed', 'closest', 'diff', 'expected', 'matching',
           'missing_rows', 'reflect', 'revisions', 'seeded_tables', 'touched', 'verify']
