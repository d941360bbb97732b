"""MySQL / MariaDB: the schema of the current database from information_schema.

Six queries whatever the number of tables. Spelling follows MariaDB 10.11,
the server the data files are recorded on: types upper-cased with their
display widths, ``EXTRA`` (``AUTO_INCREMENT``, ``ON UPDATE …``) appended to
the type, defaults as SQL text (``'normal'``, ``0``, ``current_timestamp()``).
MySQL 8 spells some of these otherwise (``int`` without ``(11)``, unquoted
literal defaults); its answers are brought to MariaDB's form where the
difference is only spelling.
"""
import re

import sqlalchemy as sa

from dbmanage.schema import model

# Each query reads one information_schema table filtered by constants: MariaDB
# answers that from the schema's own table definitions, where a join between
# two of them costs ten times more. {scope} narrows it to the named tables.
_TABLES = (
    "SELECT TABLE_NAME FROM information_schema.TABLES "
    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' {scope}")
_COLUMNS = (
    "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA "
    "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() {scope} "
    "ORDER BY TABLE_NAME, ORDINAL_POSITION")
_INDEXES = (
    "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART "
    "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() {scope} "
    "ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX")
_KEY_COLUMNS = (
    "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, "
    "REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
    "WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL {scope} "
    "ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION")
_RULES = (
    "SELECT TABLE_NAME, CONSTRAINT_NAME, DELETE_RULE, UPDATE_RULE "
    "FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() {scope}")
_CHECKS = (
    "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
    "WHERE CONSTRAINT_SCHEMA = DATABASE() {scope}")

_INTEGER = re.compile(r'^(BIGINT|INT|MEDIUMINT|SMALLINT|TINYINT)(\(\d+\))?( UNSIGNED)?')
# The widths MariaDB shows for integer types declared without one (signed, unsigned).
_WIDTHS = {'BIGINT': (20, 20), 'INT': (11, 10), 'MEDIUMINT': (9, 8), 'SMALLINT': (6, 5),
           'TINYINT': (4, 3)}
_NOW = re.compile(r'CURRENT_TIMESTAMP(?!\()', re.I)
_GENERATED_FK = re.compile(r'_ibfk_\d+$')
_DEFAULT_RULES = ('RESTRICT', 'NO ACTION')


def _type(column_type, extra):
    spelled = column_type.upper()
    integer = _INTEGER.match(spelled)
    if integer and not integer.group(2):
        # MySQL 8 drops the display width; MariaDB shows it.
        width = _WIDTHS[integer.group(1)][1 if integer.group(3) else 0]
        spelled = '%s(%d)%s' % (integer.group(1), width, spelled[len(integer.group(1)):])
    extra = ' '.join(word for word in extra.upper().split() if word != 'DEFAULT_GENERATED')
    return spelled + (' ' + _NOW.sub('CURRENT_TIMESTAMP()', extra) if extra else '')


def _default(value, extra, mysql8):
    if value is None or value == 'NULL':
        # MariaDB says 'NULL' for a nullable column without a default.
        return None
    if not mysql8:
        return value
    if 'DEFAULT_GENERATED' in extra.upper():
        return _NOW.sub('current_timestamp()', value)
    return value if _numeric(value) else "'%s'" % value.replace("'", "''")


def _numeric(text):
    return re.match(r'^-?\d+(\.\d+)?$', text) is not None


def _rule(rule):
    return None if rule in _DEFAULT_RULES else rule


def _query(connection, text, scope):
    if scope is None:
        return connection.execute(sa.text(text.format(scope='')))
    query = sa.text(text.format(scope='AND TABLE_NAME IN :scope')).bindparams(
        sa.bindparam('scope', expanding=True))
    return connection.execute(query, {'scope': sorted(scope) or ['']})


def tables(connection, included, scope=None):
    """{name: Table} of the tables ``included(name)`` accepts, looking only
    at the tables named in ``scope`` unless it is None."""
    mysql8 = 'mariadb' not in connection.exec_driver_sql('SELECT VERSION()').scalar().lower()
    base = {name for name, in _query(connection, _TABLES, scope) if included(name)}
    columns, primary, indexes, fks = {name: [] for name in sorted(base)}, {}, {}, {}
    for table, name, column_type, nullable, default, extra in _query(
            connection, _COLUMNS, scope):
        if table in base:
            columns[table].append(model.Column(
                name, _type(column_type, extra or ''), nullable == 'YES',
                _default(default, extra or '', mysql8)))
    for table, index, non_unique, column, sub_part in _query(connection, _INDEXES, scope):
        if table not in base:
            continue
        column = column if sub_part is None else '%s(%s)' % (column, sub_part)
        if index == 'PRIMARY':
            primary.setdefault(table, []).append(column)
        else:
            indexes.setdefault(table, {}).setdefault(index, (not non_unique, []))[1].append(column)
    rules = {(table, name): (on_delete, on_update)
             for table, name, on_delete, on_update in _query(connection, _RULES, scope)}
    for table, name, column, referred, referred_column in _query(connection, _KEY_COLUMNS, scope):
        if table not in base:
            continue
        on_delete, on_update = rules.get((table, name), (None, None))
        key = fks.setdefault(table, {}).setdefault(name, [[], referred, [], on_delete, on_update])
        key[0].append(column)
        key[2].append(referred_column)
    checks = {}
    for table, name, clause in _query(connection, _CHECKS, scope):
        if table in base:
            checks.setdefault(table, []).append(model.Check(name, clause))
    return {table: model.Table.make(
        table, cols, primary.get(table, ()), None,
        [model.Index(name, tuple(cols), unique)
         for name, (unique, cols) in indexes.get(table, {}).items()],
        (),
        [model.ForeignKey(None if _GENERATED_FK.search(name) else name, tuple(cols), referred,
                          tuple(ref), _rule(on_delete), _rule(on_update))
         for name, (cols, referred, ref, on_delete, on_update) in fks.get(table, {}).items()],
        checks.get(table, ()))
        for table, cols in columns.items()}
