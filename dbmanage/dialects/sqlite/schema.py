"""SQLite: the schema of the main database from sqlite_master and the pragma functions.

Five queries whatever the number of tables (the pragmas are joined to
sqlite_master as table-valued functions). Types are the declared ones,
upper-cased; defaults the declared text. SQLite keeps the names of
constraints only in the table's CREATE statement, so the names of unique
and foreign keys, and CHECK constraints, are read from that text.
"""
import re

from dbmanage.schema import model

_TABLES = "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
_COLUMNS = (
    "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden "
    "FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p "
    "WHERE m.type = 'table' ORDER BY m.name, p.cid")
_INDEXES = (
    "SELECT m.name, l.name, l.\"unique\", l.origin, l.partial, i.name "
    "FROM sqlite_master m JOIN pragma_index_list(m.name) l "
    "JOIN pragma_index_xinfo(l.name) i "
    "WHERE m.type = 'table' AND i.key ORDER BY m.name, l.name, i.seqno")
_FOREIGN_KEYS = (
    "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_delete, f.on_update "
    "FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f "
    "WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq")
_PARTIAL = re.compile(r'\sWHERE\s(.+)$', re.S | re.I)

_NAME = r'(?:"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|\w+)'
_NAMED = re.compile(r'CONSTRAINT\s+(%s)\s+(UNIQUE|FOREIGN\s+KEY|CHECK)\s*\(' % _NAME, re.I)
_CHECK = re.compile(r'(?:CONSTRAINT\s+(%s)\s+)?CHECK\s*\(' % _NAME, re.I)
_REFERENCES = re.compile(r'\s*REFERENCES\s+(%s)' % _NAME, re.I)


def _unquote(name):
    name = name.strip()
    if name[:1] in '"`[':
        return name[1:-1].replace('""', '"')
    return name


def _group(sql, start):
    """The text inside the parenthesis opened just before ``start``, and its end."""
    depth, i = 1, start
    while depth and i < len(sql):
        depth += {'(': 1, ')': -1}.get(sql[i], 0)
        i += 1
    return sql[start:i - 1], i


def _names(items):
    return tuple(_unquote(c) for c in items.split(','))


def _constraints(sql):
    """Named unique and foreign keys, and all checks, from a CREATE TABLE text."""
    uniques, fks, checks = {}, {}, []
    for match in _NAMED.finditer(sql):
        inside, end = _group(sql, match.end())
        kind = match.group(2).upper()
        if kind == 'UNIQUE':
            uniques[_names(inside)] = _unquote(match.group(1))
        elif kind != 'CHECK':
            referred = _REFERENCES.match(sql, end)
            fks[_names(inside), _unquote(referred.group(1)) if referred else None] = (
                _unquote(match.group(1)))
    for match in _CHECK.finditer(sql):
        inside, _ = _group(sql, match.end())
        checks.append(model.Check(match.group(1) and _unquote(match.group(1)), inside.strip()))
    return uniques, fks, checks


def _rule(rule):
    return None if rule in (None, 'NO ACTION') else rule


def tables(connection, included, scope=None):
    """{name: Table} of the tables ``included(name)`` accepts (``scope``, the
    names it accepts at most, costs nothing to leave to it here)."""
    sql = {name: text or '' for name, text in connection.exec_driver_sql(_TABLES)
           if included(name) and not name.startswith('sqlite_')}
    index_sql = dict(connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index'").fetchall())
    columns, primary = {}, {}
    for table, name, declared, not_null, default, pk, hidden in (
            connection.exec_driver_sql(_COLUMNS)):
        if table in sql and not hidden:
            columns.setdefault(table, []).append(
                model.Column(name, (declared or '').upper(), not not_null, default))
            if pk:
                primary.setdefault(table, []).append((pk, name))
    indexes, uniques = {}, {}
    named = {table: _constraints(text) for table, text in sql.items()}
    for table, name, unique, origin, partial, column in connection.exec_driver_sql(_INDEXES):
        if table not in sql or origin == 'pk':
            continue
        target = uniques if origin == 'u' else indexes
        target.setdefault(table, {}).setdefault(name, (bool(unique), partial, []))[2].append(
            column)
    fks = {}
    for table, number, referred, column, referred_column, on_delete, on_update in (
            connection.exec_driver_sql(_FOREIGN_KEYS)):
        if table in sql:
            key = fks.setdefault(table, {}).setdefault(
                number, [[], referred, [], _rule(on_delete), _rule(on_update)])
            key[0].append(column)
            key[2].append(referred_column)
    out = {}
    for table, cols in columns.items():
        unique_names, fk_names, checks = named[table]
        table_indexes = []
        for name, (unique, partial, index_columns) in indexes.get(table, {}).items():
            where = _PARTIAL.search(index_sql.get(name) or '') if partial else None
            table_indexes.append(model.Index(
                name, tuple(index_columns) + (('WHERE %s' % where.group(1).strip(),)
                                              if where else ()), unique))
        keys = []
        for referred_columns, referred, ref, on_delete, on_update in fks.get(table, {}).values():
            if None in ref:
                # REFERENCES t without columns: t's primary key.
                ref = [name for _, name in sorted(primary.get(referred, []))]
            keys.append(model.ForeignKey(
                fk_names.get((tuple(referred_columns), referred)), tuple(referred_columns),
                referred, tuple(ref), on_delete, on_update))
        out[table] = model.Table.make(
            table, cols, [name for _, name in sorted(primary.get(table, []))], None,
            table_indexes,
            [model.Unique(unique_names.get(tuple(c)), tuple(c))
             for _, _, c in uniques.get(table, {}).values()],
            keys, checks)
    return out
