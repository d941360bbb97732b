"""MySQL / MariaDB: the schema of the current database from information_schema.

Four queries whatever the number of tables. Spelling follows MariaDB 10.11,
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

_COLUMNS = sa.text(
    "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE, c.COLUMN_DEFAULT, "
    "c.EXTRA FROM information_schema.COLUMNS c JOIN information_schema.TABLES t "
    "ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME "
    "WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' "
    "ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION")
_INDEXES = sa.text(
    "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART "
    "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
    "ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX")
_FOREIGN_KEYS = sa.text(
    "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, "
    "k.REFERENCED_COLUMN_NAME, r.DELETE_RULE, r.UPDATE_RULE "
    "FROM information_schema.KEY_COLUMN_USAGE k "
    "JOIN information_schema.REFERENTIAL_CONSTRAINTS r "
    "ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME "
    "AND r.TABLE_NAME = k.TABLE_NAME "
    "WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL "
    "ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION")
_CHECKS = sa.text(
    "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
    "WHERE CONSTRAINT_SCHEMA = DATABASE()")

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


def tables(connection, included):
    """{name: Table} of the tables ``included(name)`` accepts."""
    mysql8 = 'mariadb' not in connection.exec_driver_sql('SELECT VERSION()').scalar().lower()
    columns, primary, indexes, fks = {}, {}, {}, {}
    for table, name, column_type, nullable, default, extra in connection.execute(_COLUMNS):
        if included(table):
            columns.setdefault(table, []).append(model.Column(
                name, _type(column_type, extra or ''), nullable == 'YES',
                _default(default, extra or '', mysql8)))
    for table, index, non_unique, column, sub_part in connection.execute(_INDEXES):
        if table not in columns:
            continue
        column = column if sub_part is None else '%s(%s)' % (column, sub_part)
        if index == 'PRIMARY':
            primary.setdefault(table, []).append(column)
        else:
            indexes.setdefault(table, {}).setdefault(index, (not non_unique, []))[1].append(column)
    for table, name, column, referred, referred_column, on_delete, on_update in (
            connection.execute(_FOREIGN_KEYS)):
        if table not in columns:
            continue
        key = fks.setdefault(table, {}).setdefault(name, [[], referred, [], on_delete, on_update])
        key[0].append(column)
        key[2].append(referred_column)
    checks = {}
    for table, name, clause in connection.execute(_CHECKS):
        if table in columns:
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
