"""What one recorded operation does to running code, data and concurrent writes.

What it does to running code (``additive``, ``data``, ``breaking``) is the
same everywhere and decided here; what it costs the server (algorithm and
lock, table lock and rewrite, table rebuild) is each dialect's claim, in
its package's ``plan`` module. Every claim is one the test suite checks
against real servers (tests/test_plan_proof.py), on the server versions the
plan names.

A ``Schema`` follows the columns and indexes through the pending
operations, because the cost of an ALTER depends on the column as it is
when the ALTER runs (a VARCHAR extension is instant only while the length
stays on the same side of 255 bytes).
"""
import dataclasses
import re

ADDITIVE, DATA, BREAKING = 'additive', 'data', 'breaking'

_TEXT_RANK = {'TINYTEXT': 1, 'TEXT': 2, 'MEDIUMTEXT': 3, 'LONGTEXT': 4}
_INTS = {'TINYINT': 1, 'SMALLINT': 2, 'MEDIUMINT': 3, 'INT': 4, 'INTEGER': 4,
         'BIGINT': 5}


@dataclasses.dataclass
class Column:
    type: str            # as the dialect renders it, e.g. VARCHAR(80)
    nullable: bool = True


@dataclasses.dataclass
class Schema:
    """Columns and indexed columns of the tables the pending work touches."""
    tables: dict = dataclasses.field(default_factory=dict)   # name -> {col: Column}
    indexed: dict = dataclasses.field(default_factory=dict)  # name -> {index: [cols]}
    primary: dict = dataclasses.field(default_factory=dict)  # name -> [cols]
    mbmaxlen: int = 4     # bytes per character of the database's charset
    #: An ALTER restates the whole column (MySQL): a type not given stays.
    restates_type: bool = False

    def new_type(self, details):
        """The type an alter_column leaves."""
        if self.restates_type:
            return details.get('type') or details.get('existing_type')
        return details.get('type')

    def column(self, table, name):
        return self.tables.get(table, {}).get(name)

    def is_indexed(self, table, name):
        return any(name in cols for cols in self.indexed.get(table, {}).values())

    def apply(self, op):
        """Follow ``op`` so the next operation sees the schema it meets."""
        d, cols = op.details, self.tables.setdefault(op.table, {})
        if op.kind == 'create_table':
            cols.update({n: Column(t, nl) for n, t, nl in d.get('column_types', ())})
            self.indexed[op.table] = {'_%d' % i: c for i, c in enumerate(d.get('indexed', ()))}
            self.primary[op.table] = d.get('primary_key', [])
        elif op.kind == 'drop_table':
            self.tables.pop(op.table, None)
            self.indexed.pop(op.table, None)
        elif op.kind == 'rename_table':
            self.tables[d['new_name']] = self.tables.pop(op.table, {})
        elif op.kind == 'add_column':
            cols[d['column']] = Column(d['type'], d['nullable'])
        elif op.kind == 'drop_column':
            cols.pop(d['column'], None)
        elif op.kind == 'alter_column':
            old = cols.pop(d['column'], None) or Column('')
            new = Column(self.new_type(d) or old.type,
                         d['nullable'] if 'nullable' in d else old.nullable)
            cols[d.get('new_name', d['column'])] = new
        elif op.kind == 'add_constraint' and d.get('type') == 'primary_key':
            self.primary[op.table] = d['columns']
        elif op.kind == 'drop_constraint' and d.get('type') == 'primary_key':
            self.primary[op.table] = []
        elif op.kind in ('create_index', 'add_constraint') and d.get('columns'):
            name = d.get('index') or d.get('constraint') or '_%d' % id(op)
            self.indexed.setdefault(op.table, {})[name] = d['columns']
        elif op.kind in ('drop_index', 'drop_constraint'):
            self.indexed.get(op.table, {}).pop(d.get('index') or d.get('constraint'), None)


def parse_type(type_):
    match = re.match(r'\s*(\w+)(?:\((\d+))?', (type_ or '').upper())
    if not match:
        return '', None
    name = {'BOOLEAN': 'BOOL', 'INTEGER': 'INT', 'CHARACTER': 'CHAR'}.get(
        match.group(1), match.group(1))
    if name == 'TINYINT' and match.group(2) == '1':
        return 'BOOL', None
    if name in _INTS or name in _TEXT_RANK or name == 'BOOL':
        return name, None
    return name, int(match.group(2)) if match.group(2) else None


def _narrows(old, new):
    """Does changing the type from ``old`` to ``new`` lose values?"""
    (on, ol), (nn, nl) = parse_type(old), parse_type(new)
    if on == nn:
        return ol is not None and nl is not None and nl < ol
    if on in _TEXT_RANK and nn in _TEXT_RANK:
        return _TEXT_RANK[nn] < _TEXT_RANK[on]
    if on in _INTS and nn in _INTS:
        return _INTS[nn] < _INTS[on]
    if on in ('VARCHAR', 'CHAR') and nn in _TEXT_RANK:
        return False
    return True


def _effect(op, schema):
    """(effect, why) for running code and data."""
    kind, d = op.kind, op.details
    if kind in ('execute', 'bulk_insert'):
        return DATA, '%s rows' % d.get('statement', 'inserts').lower()
    if kind == 'drop_table':
        return BREAKING, 'drops the table'
    if kind == 'rename_table':
        return BREAKING, 'renames the table'
    if kind == 'drop_column':
        return BREAKING, 'drops the column'
    if kind == 'add_column' and not d['nullable'] and not d['server_default']:
        return BREAKING, 'NOT NULL column without a default old code does not fill'
    if kind == 'alter_column':
        old = schema.column(op.table, d['column'])
        if d.get('new_name'):
            return BREAKING, 'renames the column'
        new_type = schema.new_type(d)
        if new_type and old and _narrows(old.type, new_type):
            return BREAKING, 'narrows %s to %s' % (old.type, new_type)
        if d.get('nullable') is False and (old is None or old.nullable):
            return BREAKING, 'makes the column NOT NULL'
    return ADDITIVE, ''


def classify(op, dialect, schema):
    """The claims for one operation on ``dialect``, as a plain dict;
    ``schema`` is then advanced."""
    effect, why = _effect(op, schema)
    claim = {'effect': effect, 'why': why, 'new_table': op.kind == 'create_table'}
    claim.update(dialect.plan.claims(op, schema))
    d = op.details
    if (op.kind == 'add_column' and not dialect.plan.FILLS_IMPLICIT_DEFAULT
            and not d['nullable'] and not d['server_default']):
        # Without an implicit default, existing rows refuse the column.
        claim['fails_if_rows'] = 'NOT NULL column %s without a default' % d['column']
    schema.apply(op)
    return claim
