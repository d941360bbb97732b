"""A database's schema as normalised JSON text, to compare two databases with diff.

The dump holds, per table, the columns in table order (name, type, nullable,
server default), the primary key, and the indexes, unique constraints and
foreign keys sorted (names the database chose for foreign keys are left out),
plus the rows of alembic_version. Its text is the format of the reference
dumps in tests/data/, so a database migrated by dbmanage compares byte for
byte with one migrated by the service's own tool.

    python -m tests.schemadump URL
"""
import json
import sys

import sqlalchemy as sa

VERSION_KEY = '@alembic_version'


def _column(column):
    default = column.get('default')
    return {'name': column['name'],
            'type': str(column['type']),
            'nullable': column['nullable'],
            'default': None if default is None else str(default)}


def _table(inspector, name):
    indexes = [(i['name'] or '', tuple(i['column_names']), bool(i['unique']))
               for i in inspector.get_indexes(name)]
    uniques = [(u['name'] or '', tuple(u['column_names']))
               for u in inspector.get_unique_constraints(name)]
    fks = [(tuple(f['constrained_columns']), f['referred_table'], tuple(f['referred_columns']))
           for f in inspector.get_foreign_keys(name)]
    return {'columns': [_column(c) for c in inspector.get_columns(name)],
            'pk': inspector.get_pk_constraint(name).get('constrained_columns'),
            'indexes': sorted(indexes),
            'unique': sorted(uniques),
            'fks': sorted(fks)}


def _versions(conn):
    try:
        rows = conn.execute(sa.text('SELECT version_num FROM alembic_version'))
        return sorted(row[0] for row in rows)
    except sa.exc.DBAPIError as exc:
        # A database that was never migrated has no table: say so, don't fail.
        return 'error: %s' % type(exc).__name__


def dump(url):
    """The schema of the database at url, as a dict of plain values."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            out = {name: _table(inspector, name) for name in inspector.get_table_names()}
            out[VERSION_KEY] = _versions(conn)
    finally:
        engine.dispose()
    return out


def dumps(url):
    """The dump as the JSON text the reference files hold (newline-terminated)."""
    return json.dumps(dump(url), indent=1, sort_keys=True, default=list) + '\n'


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.stderr.write('usage: python -m tests.schemadump URL\n')
        return 2
    sys.stdout.write(dumps(argv[0]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
