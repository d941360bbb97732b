"""What one recorded operation does to running code, data and concurrent writes.

Every rule here is a claim the test suite checks against real servers
(tests/test_plan_proof.py): on MariaDB the algorithm is forced with
``ALGORITHM=…, LOCK=…`` and the next cheaper one must be refused; on
PostgreSQL ``pg_locks`` must show the claimed lock and a rewrite must show
as a new relfilenode. The MariaDB rules are those of InnoDB with the
DYNAMIC row format in MariaDB 10.4 and later (instant ADD/DROP COLUMN and
VARCHAR extension arrived in 10.4); they are proven on the server the suite
runs against, whose version the plan names.

A ``Schema`` follows the columns and indexes through the pending
operations, because the cost of an ALTER depends on the column as it is
when the ALTER runs (a VARCHAR extension is instant only while the length
stays on the same side of 255 bytes).
"""
import dataclasses
import re

#: MariaDB algorithms from cheapest to dearest; "writes wait" is LOCK != NONE.
ALGORITHMS = ('INSTANT', 'NOCOPY', 'INPLACE', 'COPY')
#: PostgreSQL table lock modes, weakest first.
PG_LOCKS = ('ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE',
            'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE')
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
    dialect: str = ''

    def new_type(self, details):
        """The type an alter_column leaves: MySQL restates the existing type."""
        if self.dialect == 'mysql':
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


def _parse(type_):
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
    (on, ol), (nn, nl) = _parse(old), _parse(new)
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


# -- MariaDB -----------------------------------------------------------------

def _varchar_extends_instantly(old, new, mbmaxlen, primary):
    # InnoDB writes a VARCHAR's length in one byte while its maximum is at
    # most 255 bytes, and beyond that in one byte for values up to 127
    # bytes, two for longer ones: the records stay valid unless values of
    # 128-255 bytes are possible and would need the second byte. A primary
    # key column's extension must also fit the clustered index as it is.
    old_bytes, new_bytes = old * mbmaxlen, new * mbmaxlen
    if old_bytes <= 127 or old_bytes > 255:
        return True
    return new_bytes <= 255 and not primary


def _mysql_alter(op, schema):
    d = op.details
    old = schema.column(op.table, d['column'])
    if old is None:
        return 'COPY', 'SHARED', 'the column is unknown to the plan: assuming a copy'
    new_type = schema.new_type(d) or old.type
    (on, ol), (nn, nl) = _parse(old.type), _parse(new_type)
    nullable_changes = _mysql_nullable(d) != old.nullable and (
        'type' in d or 'nullable' in d or 'new_name' in d)
    if (on, ol) != (nn, nl):
        if on == nn == 'VARCHAR' and nl > ol and _varchar_extends_instantly(
                ol, nl, schema.mbmaxlen, d['column'] in schema.primary.get(op.table, ())):
            if nullable_changes:
                return 'INPLACE', 'NONE', 'extends the VARCHAR and changes NULL: table rebuilt'
            return 'INSTANT', 'NONE', 'VARCHAR extended within its length-byte size'
        return 'COPY', 'SHARED', 'type %s -> %s copies the table' % (old.type, new_type)
    if nullable_changes:
        return 'INPLACE', 'NONE', 'NULL/NOT NULL change rebuilds the table online'
    if d.get('new_name') and schema.is_indexed(op.table, d['column']):
        return 'NOCOPY', 'NONE', 'renaming an indexed column updates its indexes'
    return 'INSTANT', 'NONE', 'metadata only'


def _mysql_nullable(d):
    # MODIFY/CHANGE restate the whole column: without nullable or
    # existing_nullable, Alembic writes NULL.
    if 'nullable' in d:
        return d['nullable']
    return d.get('existing_nullable', True)


def _alter_statement_kind(sql):
    """Algorithm of a raw ALTER that only drops and adds indexes."""
    body = re.sub(r'^\s*ALTER\s+TABLE\s+\S+\s+', '', sql, flags=re.I)
    clauses = re.split(r',\s*(?![^()]*\))', body)
    if all(re.match(r'\s*(DROP\s+(INDEX|KEY)|ADD\s+(UNIQUE\s+)?(INDEX|KEY))', c, re.I)
           for c in clauses):
        return 'NOCOPY', 'NONE', 'index changes only'
    return 'COPY', 'SHARED', 'raw ALTER: assuming a copy'


def mysql(op, schema):
    """(algorithm, lock, why) on MariaDB, or (None, None, why) for no ALTER."""
    kind, d = op.kind, op.details
    if kind == 'create_table':
        return None, None, 'new table'
    if kind == 'drop_table' and op.table not in schema.tables:
        return None, None, 'the table does not exist: nothing to drop'
    if kind == 'drop_table':
        return None, None, 'metadata lock while dropping'
    if kind in ('bulk_insert',) or (kind == 'execute' and d['statement'] != 'ALTER'):
        return None, None, 'row locks on the rows touched'
    if kind == 'execute':
        return _alter_statement_kind(op.sql[0] if op.sql else '')
    if kind == 'add_column':
        return 'INSTANT', 'NONE', 'instant ADD COLUMN'
    if kind == 'drop_column':
        if schema.is_indexed(op.table, d['column']):
            return 'NOCOPY', 'NONE', 'the column is indexed: its index is dropped too'
        return 'INSTANT', 'NONE', 'instant DROP COLUMN'
    if kind == 'alter_column':
        return _mysql_alter(op, schema)
    if kind == 'rename_table':
        return 'INSTANT', 'EXCLUSIVE', 'metadata only, under an exclusive metadata lock'
    if kind in ('create_index', 'drop_index'):
        return 'NOCOPY', 'NONE', 'secondary index built/dropped online'
    ctype = d.get('type')
    if kind == 'add_constraint':
        if ctype == 'foreign_key':
            return 'COPY', 'SHARED', 'a foreign key is added by copying while foreign_key_checks=1'
        if ctype == 'primary_key':
            return 'INPLACE', 'NONE', 'a new primary key rebuilds the table online'
        if ctype == 'unique':
            return 'NOCOPY', 'NONE', 'unique index built online'
        return 'COPY', 'SHARED', 'check constraint verified by copying'
    if kind == 'drop_constraint':
        if ctype == 'foreign_key':
            return 'INSTANT', 'NONE', 'metadata only'
        if ctype == 'primary_key':
            return 'COPY', 'SHARED', 'dropping the primary key copies the table'
        return 'NOCOPY', 'NONE', 'index dropped online'
    return 'COPY', 'SHARED', 'unknown operation: assuming a copy'


# -- PostgreSQL ----------------------------------------------------------------

def _pg_rewrites(old, new):
    (on, ol), (nn, nl) = _parse(old), _parse(new)
    if (on, ol) == (nn, nl):
        return False
    if on == nn == 'VARCHAR':
        return nl is not None and ol is not None and nl < ol
    if on in ('VARCHAR', 'TEXT') and nn == 'TEXT':
        return False
    return True


def postgresql(op, schema):
    """(lock, rewrite, scans, why) on PostgreSQL."""
    kind, d = op.kind, op.details
    if kind == 'drop_table' and op.table not in schema.tables:
        return None, False, False, 'the table does not exist: nothing to drop'
    if kind in ('execute', 'bulk_insert'):
        return 'ROW EXCLUSIVE', False, False, 'row locks on the rows touched'
    if kind == 'create_index':
        return 'SHARE', False, True, 'index build: writes wait, reads go on'
    if kind == 'add_constraint' and d.get('type') == 'foreign_key':
        return 'SHARE ROW EXCLUSIVE', False, True, 'existing rows are checked'
    if kind == 'add_constraint':
        return 'ACCESS EXCLUSIVE', False, True, 'index built under the lock'
    if kind == 'create_table':
        return 'ACCESS EXCLUSIVE', False, False, 'new table'
    if kind == 'add_column':
        return 'ACCESS EXCLUSIVE', False, False, 'catalog only (no volatile default)'
    if kind == 'alter_column':
        old = schema.column(op.table, d['column'])
        if d.get('type') and old and _pg_rewrites(old.type, d['type']):
            return 'ACCESS EXCLUSIVE', True, True, 'type %s -> %s rewrites the table' % (
                old.type, d['type'])
        if d.get('type') and not old:
            return 'ACCESS EXCLUSIVE', True, True, 'unknown column: assuming a rewrite'
        if d.get('nullable') is False and (old is None or old.nullable):
            return 'ACCESS EXCLUSIVE', False, True, 'SET NOT NULL scans the table'
        return 'ACCESS EXCLUSIVE', False, False, 'catalog only'
    return 'ACCESS EXCLUSIVE', False, False, 'catalog only'


# -- SQLite --------------------------------------------------------------------

def sqlite(op, schema):
    """(rebuilt, why) on SQLite."""
    if op.rebuild:
        return True, 'batch mode copies the table into a new one'
    if op.kind in ('create_index', 'add_constraint'):
        return False, 'index built while the database is write-locked'
    return False, ''


def classify(op, dialect, schema):
    """The claims for one operation, as a plain dict; ``schema`` is then advanced."""
    effect, why = _effect(op, schema)
    claim = {'effect': effect, 'why': why, 'new_table': op.kind == 'create_table'}
    if dialect == 'mysql':
        algorithm, lock, reason = mysql(op, schema)
        claim.update(algorithm=algorithm, lock=lock, note=reason,
                     writes_wait=lock not in (None, 'NONE'),
                     blocks_writes=lock == 'SHARED' or (
                         algorithm == 'INPLACE' and lock != 'NONE'))
    elif dialect == 'postgresql':
        lock, rewrite, scans, reason = postgresql(op, schema)
        claim.update(lock=lock, rewrite=rewrite, note=reason,
                     writes_wait=PG_LOCKS.index(lock or 'ACCESS SHARE') >= PG_LOCKS.index('SHARE'),
                     blocks_writes=op.kind != 'create_table' and (rewrite or (
                         scans and PG_LOCKS.index(lock) >= PG_LOCKS.index('SHARE'))))
    else:
        rebuilt, reason = sqlite(op, schema)
        claim.update(rebuild=rebuilt, note=reason,
                     writes_wait=op.kind not in ('create_table',),
                     blocks_writes=rebuilt or op.kind in ('create_index', 'add_constraint'))
    d = op.details
    if (op.kind == 'add_column' and dialect != 'mysql' and not d['nullable']
            and not d['server_default']):
        # MariaDB fills an implicit default; the others refuse existing rows.
        claim['fails_if_rows'] = 'NOT NULL column %s without a default' % d['column']
    schema.apply(op)
    return claim
