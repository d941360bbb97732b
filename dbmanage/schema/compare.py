"""Differences between a live schema and a revision's recorded one.

Each difference is one readable line naming the table, the object and both
values, and a dict for JSON:

    workflow_executions_v2.description: TEXT, expected VARCHAR(255) at 040
    index workbooks_v2_scope on workbooks_v2: missing at 040
    table scratch: unexpected at 040
    row protocol (name='UDP'): missing at fabf4983846b

The list is ordered by table, then table, columns (in the expected order),
primary key, indexes, unique keys, foreign keys, checks, rows.

Column order is recorded but compared only on request (``column_order=True``):
the service and the chain address columns by name, MySQL cannot reorder them
without rebuilding the table, and a database created from the service's own
models has its columns in another order in nearly every table.

Seeded rows are compared by primary key only: the service owns their other
values once seeded (Mistral's maintenance status changes while it runs), and
a table's other rows are the service's data.
"""
import dataclasses
import typing

from dbmanage.schema import live
from dbmanage.schema import model
from dbmanage.schema import snapshots


@dataclasses.dataclass(frozen=True)
class Difference:
    table: str
    kind: str        # table, column, type, nullable, default, order, primary_key,
    #                  index, unique, foreign_key, check, row
    name: str        # the object: column, index or key name, row key
    found: typing.Optional[str]      # None: missing
    expected: typing.Optional[str]   # None: unexpected
    revision: str

    @property
    def label(self):
        if self.kind in ('type', 'nullable', 'default'):
            return '%s.%s' % (self.table, self.name)
        if self.kind == 'column':
            return 'column %s.%s' % (self.table, self.name)
        if self.kind in ('table', 'order'):
            return 'table %s' % self.table
        if self.kind == 'row':
            return 'row %s %s' % (self.table, self.name)
        what = self.kind.replace('_', ' ').replace('unique', 'unique key')
        return '%s %s on %s' % (what, self.name, self.table) if self.name else (
            '%s on %s' % (what, self.table))

    def __str__(self):
        if self.found is None:
            what = 'missing'
        elif self.expected is None:
            what = 'unexpected'
        else:
            what = '%s, expected %s' % (self.found, self.expected)
        return '%s: %s at %s' % (self.label, what, self.revision)

    def to_dict(self):
        return {'table': self.table, 'kind': self.kind, 'name': self.name,
                'found': self.found, 'expected': self.expected, 'revision': self.revision,
                'message': str(self)}


def _cols(columns):
    return '(%s)' % ', '.join(columns)


def _nullable(column):
    return 'NULL' if column.nullable else 'NOT NULL'


def _default(column):
    return 'no default' if column.default is None else 'DEFAULT %s' % column.default


def _index(index):
    return ('UNIQUE ' if index.unique else '') + _cols(index.columns)


def _fk(key):
    text = '%s -> %s %s' % (_cols(key.columns), key.referred_table, _cols(key.referred_columns))
    if key.on_delete:
        text += ' ON DELETE %s' % key.on_delete
    if key.on_update:
        text += ' ON UPDATE %s' % key.on_update
    return text


def _named(item):
    return 'named %s' % item.name if item.name else 'unnamed'


def _objects(kind, found_items, expected_items, key, describe):
    """Differences between two lists of objects matched by ``key``, expected
    keys first. A missing object and an unexpected one alike but for the
    name are one difference: a rename."""
    found = {key(item): item for item in found_items}
    expected = {key(item): item for item in expected_items}
    unexpected = sorted(set(found) - set(expected))
    out = []
    for name in sorted(expected):
        want = expected[name]
        if name in found:
            if describe(found[name]) != describe(want):
                out.append((kind, name, describe(found[name]), describe(want)))
            continue
        twin = next((u for u in unexpected if describe(found[u]) == describe(want)), None)
        if twin is None:
            out.append((kind, name, None, describe(want)))
        else:
            unexpected.remove(twin)
            out.append((kind, name, _named(found[twin]), _named(want)))
    return out + [(kind, name, describe(found[name]), None) for name in unexpected]


def _fk_key(key):
    # Unnamed keys match on what they join; a changed action is then one
    # difference, not a missing and an unexpected key.
    return key.name or '%s -> %s' % (_cols(key.columns), key.referred_table)


def _columns(found, expected, column_order):
    out = []
    for column in expected.columns:
        have = found.column(column.name)
        if have is None:
            out.append(('column', column.name, None, column.type))
            continue
        for kind, describe in (('type', lambda c: c.type), ('nullable', _nullable),
                               ('default', _default)):
            if describe(have) != describe(column):
                out.append((kind, column.name, describe(have), describe(column)))
    expected_names = [c.name for c in expected.columns]
    out += [('column', c.name, c.type, None) for c in found.columns
            if c.name not in expected_names]
    have_order = [c.name for c in found.columns if c.name in expected_names]
    wanted_order = [c for c in expected_names if c in have_order]
    if column_order and have_order != wanted_order:
        out.append(('order', 'columns', 'columns ' + ', '.join(have_order),
                    ', '.join(wanted_order)))
    return out


def _table(found, expected, column_order):
    out = _columns(found, expected, column_order)
    if _pk(found) != _pk(expected):
        out.append(('primary_key', '', _pk(found), _pk(expected)))
    out += _objects('index', found.indexes, expected.indexes, lambda i: i.name, _index)
    out += _objects('unique', found.uniques, expected.uniques,
                    lambda u: u.name or _cols(u.columns), lambda u: _cols(u.columns))
    out += _objects('foreign_key', found.foreign_keys, expected.foreign_keys, _fk_key, _fk)
    out += _objects('check', found.checks, expected.checks, lambda c: c.name or c.text,
                    lambda c: c.text)
    return out


def _pk(table):
    if not table.primary_key:
        return 'none'
    columns = _cols(table.primary_key)
    return '%s %s' % (table.primary_key_name, columns) if table.primary_key_name else columns


def _row_key(table, row):
    columns = table.primary_key if table is not None and table.primary_key else sorted(row)
    return tuple((c, row.get(c)) for c in columns)


def _same_key(key, row):
    return all(value is model.ANY or row.get(column) == value for column, value in key)


def _rows(table, found, expected):
    """Seeded rows the table lacks (matched by primary key)."""
    out, left = [], list(found)
    for row in expected:
        key = _row_key(table, row)
        match = next((i for i, have in enumerate(left) if _same_key(key, have)), None)
        if match is None:
            shown = ', '.join('%s=%s' % (c, 'ANY' if v is model.ANY else repr(v))
                              for c, v in key)
            out.append(('row', '(%s)' % shown, None, repr(row)))
        else:
            del left[match]
    return out


def missing_rows(found, expected):
    """{table: [rows]}: the seeded rows of ``expected`` that ``found`` (read
    with its rows) lacks, matched by primary key as ``diff`` matches them."""
    out = {}
    for name, seeded in sorted((expected.rows or {}).items()):
        table = expected.tables.get(name)
        left = list((found.rows or {}).get(name, ()))
        for row in seeded:
            key = _row_key(table, row)
            match = next((i for i, have in enumerate(left) if _same_key(key, have)), None)
            if match is None:
                out.setdefault(name, []).append(row)
            else:
                del left[match]
    return out


def diff(found, expected, revision, column_order=False):
    """The differences of ``found`` (reflected) from ``expected`` (recorded), ordered.

    Only the tables in ``found.scope`` are compared when the reflection was
    partial; seeded rows only when ``found.rows`` was read; the order of the
    columns only with ``column_order``.
    """
    scope = found.scope
    names = set(found.tables) | set(expected.tables)
    if scope is not None:
        names &= scope
    out = []
    for name in sorted(names):
        have, wanted = found.tables.get(name), expected.tables.get(name)
        if have is None:
            items = [('table', '', None, 'table')]
        elif wanted is None:
            items = [('table', '', 'table', None)]
        else:
            items = _table(have, wanted, column_order)
        if found.rows is not None and name in (expected.rows or {}) and have is not None:
            items += _rows(wanted, found.rows.get(name, ()), expected.rows[name])
        out += [Difference(name, kind, key, was, want, revision)
                for kind, key, was, want in items]
    return out


def touched(differences, tables):
    """The differences that concern the given tables."""
    tables = set(tables)
    return [d for d in differences if d.table in tables]


def verify(connection, service, revision, tables=None, column_order=False):
    """Reflect the database on ``connection`` and compare it with ``revision``'s
    schema and seeded rows; ``tables`` limits both to those tables."""
    dialect = connection.dialect.name
    wanted = snapshots.expected(service, dialect, revision)
    found = live.reflect(connection, tables=tables, rows=sorted(wanted.rows))
    return diff(found, wanted, revision, column_order)


def matching(found, service, dialect):
    """The revisions whose recorded schema (and seeded rows, when ``found``
    has rows) ``found`` equals exactly, oldest first."""
    return [revision for revision in snapshots.revisions(service, dialect)
            if not diff(found, snapshots.expected(service, dialect, revision), revision)]


def closest(found, service, dialect):
    """(revision, differences) of the revision ``found`` differs least from;
    the newest such revision on a tie."""
    best = None
    for revision in snapshots.revisions(service, dialect):
        differences = diff(found, snapshots.expected(service, dialect, revision), revision)
        if best is None or len(differences) <= len(best[1]):
            best = (revision, differences)
    return best
