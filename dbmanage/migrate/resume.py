"""Did one interrupted DDL statement take effect? Asked of the live MySQL database.

``journal`` calls ``state`` for exactly one statement of a resumed revision:
the one after the last recorded step. MySQL runs each DDL statement whole or
not at all, so the answer is "after" (its effect is there: skip it),
"before" (it is not: run it), or neither, which means something other than
this run changed the schema; that stops the run with an error naming the
object rather than guessing.

Data statements never get here: their step count commits with their data.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from alembic.ddl import base as alembic_ddl
from alembic.ddl import mysql as alembic_mysql

from dbmanage import errors

AFTER, BEFORE = 'after', 'before'

#: ``op.execute(DDL text, execution_options={HINT: ('index', table, name, columns)})``
#: (or ``('primary_key', table, 'PRIMARY', columns)`` for a statement that swaps primary keys)
#: tells resume what a hand-written DDL statement leaves behind.
HINT = 'dbmanage_resume'


def short_sql(construct, dialect=None) -> str:
    """A short name for a statement, for logs and the Result, as ``dialect``
    (by default MySQL's) spells it."""
    if isinstance(construct, str):
        text = construct
    else:
        if dialect is None:
            from sqlalchemy.dialects import mysql
            dialect = mysql.dialect()
        text = str(construct.compile(dialect=dialect))
    return ' '.join(text.split())[:120]


def _drift(what, detail):
    return errors.OperationFailed(
        'cannot resume the interrupted revision: %s is neither as the '
        'revision left it nor as it found it (%s); restore the backup taken '
        'before the upgrade' % (what, detail))


class _Schema:
    """Fresh reflection of the live database (only ever used for one statement)."""

    def __init__(self, conn):
        self.conn = conn
        self.insp = sa.inspect(conn)

    def has_table(self, table):
        return self.insp.has_table(table)

    def columns(self, table):
        rows = self.conn.execute(sa.text(
            'SELECT column_name, column_type, is_nullable, column_default '
            'FROM information_schema.columns WHERE table_schema = DATABASE() '
            'AND table_name = :t'), {'t': table})
        return {r[0]: {'type': r[1], 'nullable': r[2] == 'YES', 'default': r[3]}
                for r in rows}

    def indexes(self, table):
        return {i['name']: i for i in self.insp.get_indexes(table)}

    def uniques(self, table):
        return {u['name']: u['column_names'] for u in self.insp.get_unique_constraints(table)}

    def foreign_keys(self, table):
        return {f['name']: f for f in self.insp.get_foreign_keys(table)}

    def primary_key(self, table):
        return self.insp.get_pk_constraint(table)['constrained_columns']

    def checks(self, table):
        return {c['name'] for c in self.insp.get_check_constraints(table)}


_INT = re.compile(r'^(tinyint|smallint|mediumint|int|bigint)\(\d+\)')


def _normal_type(text):
    text = re.sub(r'\s+', '', text.lower())
    text = {'integer': 'int', 'bool': 'tinyint(1)', 'boolean': 'tinyint(1)'}.get(text, text)
    if text == 'tinyint(1)':
        return text
    text = _INT.sub(r'\1', text)
    return text.replace('numeric', 'decimal').replace(' unsigned', 'unsigned')


def _type_matches(conn, type_, found):
    expected = type_.compile(dialect=conn.dialect)
    return _normal_type(expected) == _normal_type(found)


def _column_state(schema, table, column, type_, nullable):
    """'after' if ``column`` is there with this type and nullability, else None."""
    found = schema.columns(table).get(column)
    if found is None:
        return None
    if not _type_matches(schema.conn, type_, found['type']) or \
            (nullable is not None and found['nullable'] != bool(nullable)):
        raise _drift('column %s.%s' % (table, column), 'found %s %s' % (
            found['type'], 'NULL' if found['nullable'] else 'NOT NULL'))
    return AFTER


def _create_table(schema, ddl):
    table = ddl.element
    if not schema.has_table(table.name):
        return BEFORE
    found = set(schema.columns(table.name))
    expected = {c.name for c in table.columns}
    if found != expected:
        raise _drift('table %s' % table.name, 'columns %s' % ', '.join(sorted(found)))
    return AFTER


def _drop_table(schema, ddl):
    return BEFORE if schema.has_table(ddl.element.name) else AFTER


def _create_index(schema, ddl):
    index = ddl.element
    found = schema.indexes(index.table.name).get(index.name)
    if found is None:
        return BEFORE
    if found['column_names'] != [c.name for c in index.columns] or \
            bool(found['unique']) != bool(index.unique):
        raise _drift('index %s on %s' % (index.name, index.table.name),
                     'columns %s' % ', '.join(found['column_names']))
    return AFTER


def _drop_index(schema, ddl):
    index = ddl.element
    return BEFORE if index.name in schema.indexes(index.table.name) else AFTER


def _add_constraint(schema, ddl):
    const = ddl.element
    table = const.table.name
    columns = [c.name for c in const.columns] if not isinstance(
        const, sa.CheckConstraint) else []
    what = '%s %s on %s' % (type(const).__name__, const.name or '(unnamed)', table)
    if isinstance(const, sa.PrimaryKeyConstraint):
        found = schema.primary_key(table)
        if not found:
            return BEFORE
        if found == columns:
            return AFTER
        raise _drift('primary key of %s' % table, 'columns %s' % ', '.join(found))
    if isinstance(const, sa.ForeignKeyConstraint):
        target = const.referred_table.name
        fks = schema.foreign_keys(table)
        if const.name:
            found = fks.get(const.name)
            if found is None:
                return BEFORE
            if found['constrained_columns'] == columns and found['referred_table'] == target:
                return AFTER
            raise _drift(what, 'references %s(%s)' % (
                found['referred_table'], ', '.join(found['referred_columns'])))
        same = [f for f in fks.values() if f['constrained_columns'] == columns
                and f['referred_table'] == target]
        return AFTER if same else BEFORE
    if isinstance(const, sa.UniqueConstraint):
        uniques = schema.uniques(table)
        if const.name:
            if const.name in uniques:
                if uniques[const.name] == columns:
                    return AFTER
                raise _drift(what, 'columns %s' % ', '.join(uniques[const.name]))
            if const.name in schema.indexes(table):
                raise _drift(what, 'a non-unique index has that name')
            return BEFORE
        return AFTER if columns in uniques.values() else BEFORE
    if isinstance(const, sa.CheckConstraint):
        return AFTER if const.name in schema.checks(table) else BEFORE
    raise _drift(what, 'no check for this kind of constraint')


def _drop_constraint(schema, ddl):
    const = ddl.element
    table = const.table.name
    if isinstance(const, sa.PrimaryKeyConstraint):
        return BEFORE if schema.primary_key(table) else AFTER
    if isinstance(const, sa.ForeignKeyConstraint):
        # MySQL keeps the index that backed a dropped foreign key, often under
        # the same name: only foreign keys count here.
        return BEFORE if const.name in schema.foreign_keys(table) else AFTER
    if isinstance(const, sa.UniqueConstraint):
        return BEFORE if const.name in schema.uniques(table) else AFTER
    if isinstance(const, sa.CheckConstraint):
        return BEFORE if const.name in schema.checks(table) else AFTER
    raise _drift('constraint %s on %s' % (const.name, table), 'no check for this kind')


def _add_column(schema, ddl):
    column = ddl.column
    nullable = False if column.primary_key else column.nullable
    return _column_state(schema, ddl.table_name, column.name, column.type,
                         nullable) or BEFORE


def _drop_column(schema, ddl):
    return BEFORE if ddl.column.name in schema.columns(ddl.table_name) else AFTER


def _rename_table(schema, ddl):
    old, new = schema.has_table(ddl.table_name), schema.has_table(ddl.new_table_name)
    if new and not old:
        return AFTER
    if old and not new:
        return BEFORE
    raise _drift('tables %s and %s' % (ddl.table_name, ddl.new_table_name),
                 'both exist' if old else 'neither exists')


def _change_column(schema, ddl):
    """CHANGE/MODIFY COLUMN: rename and/or retype, nullability, default."""
    table, old, new = ddl.table_name, ddl.column_name, ddl.newname or ddl.column_name
    columns = schema.columns(table)
    if new != old:
        if new in columns and old not in columns:
            _column_state(schema, table, new, ddl.type_, ddl.nullable)
            return AFTER
        if old in columns and new not in columns:
            return BEFORE
        raise _drift('columns %s.%s and %s.%s' % (table, old, table, new),
                     'both exist' if old in columns else 'neither exists')
    if old not in columns:
        raise _drift('column %s.%s' % (table, old), 'it does not exist')
    # Same name: running MODIFY again sets the same definition, so "not yet
    # like this" and "before" lead to the same action.
    try:
        return _column_state(schema, table, old, ddl.type_, ddl.nullable)
    except errors.OperationFailed:
        return BEFORE


def _alter_default(schema, ddl):
    found = schema.columns(ddl.table_name).get(ddl.column_name)
    if found is None:
        raise _drift('column %s.%s' % (ddl.table_name, ddl.column_name), 'it does not exist')
    # Setting a default twice is harmless: run it unless it is already there.
    default = ddl.default
    if default is None:
        return AFTER if found['default'] in (None, 'NULL') else BEFORE
    text = getattr(default, 'arg', default)
    text = str(getattr(text, 'text', text))
    return AFTER if found['default'] is not None and \
        found['default'].strip("'") == text.strip("'") else BEFORE


def _hinted(schema, hint):
    kind, table, name, columns = hint
    if kind == 'primary_key':
        # The statement swaps one primary key for another in one go.
        return AFTER if schema.primary_key(table) == list(columns) else BEFORE
    if kind != 'index':
        raise _drift('%s %s on %s' % (kind, name, table), 'no check for this hint')
    found = schema.indexes(table).get(name)
    if found is None:
        raise _drift('index %s on %s' % (name, table), 'it does not exist')
    return AFTER if found['column_names'] == list(columns) else BEFORE


_CHECKS = [
    (sa.schema.CreateTable, _create_table),
    (sa.schema.DropTable, _drop_table),
    (sa.schema.CreateIndex, _create_index),
    (sa.schema.DropIndex, _drop_index),
    (sa.schema.AddConstraint, _add_constraint),
    (sa.schema.DropConstraint, _drop_constraint),
    (alembic_ddl.AddColumn, _add_column),
    (alembic_ddl.DropColumn, _drop_column),
    (alembic_ddl.RenameTable, _rename_table),
    (alembic_mysql.MySQLChangeColumn, _change_column),  # and MySQLModifyColumn
    (alembic_mysql.MySQLAlterDefault, _alter_default),
]


def table_of(construct, execution_options=None) -> str | None:
    """The table a DDL statement changes, or None if this module cannot tell."""
    hint = (execution_options or {}).get(HINT)
    if hint:
        return hint[1]
    element = getattr(construct, 'element', None)
    if isinstance(element, sa.Table):
        return element.name
    table = getattr(element, 'table', None)
    if isinstance(table, sa.Table):
        return table.name
    return getattr(construct, 'table_name', None)


def state(conn, construct, execution_options=None) -> str:
    """'after' or 'before' for one DDL statement; OperationFailed otherwise."""
    schema = _Schema(conn)
    hint = (execution_options or {}).get(HINT)
    try:
        if hint:
            return _hinted(schema, hint)
        for kind, check in _CHECKS:
            if isinstance(construct, kind):
                return check(schema, construct)
    finally:
        errors_classified(conn)
    raise errors.OperationFailed(
        'cannot resume the interrupted revision: dbmanage cannot tell whether '
        'the statement %r took effect (a DDL string needs execution_options='
        '{%r: ...}); restore the backup taken before the upgrade'
        % (short_sql(construct), HINT))


def errors_classified(conn):
    """Let ``conn``'s errors reach oslo.db's classification again.

    SQLAlchemy's MySQL reflection (``SHOW CREATE TABLE``, ``DESCRIBE``) sets
    ``skip_user_error_events`` on the connection itself and leaves it there:
    every later error on it would skip the engine's ``handle_error`` hook, so
    a deadlock would stay a bare OperationalError, not a transient error the
    retry policy reruns.
    """
    if conn.get_execution_options().get('skip_user_error_events'):
        conn.execution_options(skip_user_error_events=False)
