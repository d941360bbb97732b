"""The plan's claims on MariaDB: InnoDB's algorithm and lock for each operation.

The rules are those of InnoDB with the DYNAMIC row format in MariaDB 10.4
and later (instant ADD/DROP COLUMN and VARCHAR extension arrived in 10.4);
the test suite proves them on the server it runs against by forcing the
claimed ``ALGORITHM=…, LOCK=…`` after the next cheaper one is refused.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from dbmanage.plan import classify

#: Algorithms from cheapest to dearest; "writes wait" is LOCK != NONE.
ALGORITHMS = ('INSTANT', 'NOCOPY', 'INPLACE', 'COPY')
#: The MariaDB version the test suite proves the claims on.
PROVEN_ON = '10.11'
ESTIMATES = "rows and bytes are the server's statistics (estimates)"
#: MariaDB fills a NOT NULL column's implicit default into existing rows.
FILLS_IMPLICIT_DEFAULT = True
#: An ALTER restates the whole column: the type stays as it was unless given.
RESTATES_TYPE = True


def server_version(conn) -> str:
    text = conn.execute(sa.text('SELECT VERSION()')).scalar()
    number = text.split('-')[0]
    return ('MariaDB ' if 'mariadb' in text.lower() else 'MySQL ') + number


def claims_hold_for(server: str) -> str:
    match = re.match(r'(MariaDB|MySQL) (\d+)\.(\d+)', server)
    if not match or match.group(1) != 'MariaDB':
        return ('MariaDB 10.4 and later; this server is %s, where the algorithms '
                'differ (no NOCOPY): not verified' % server)
    version = (int(match.group(2)), int(match.group(3)))
    if version < (10, 4):
        return ('MariaDB 10.4 and later; this server is %s: instant ADD/DROP '
                'COLUMN and VARCHAR extension are not available, expect COPY' % server)
    if '%d.%d' % version == PROVEN_ON:
        return 'MariaDB %s (InnoDB, DYNAMIC rows): proven on this version' % PROVEN_ON
    return ('MariaDB 10.4 and later (InnoDB, DYNAMIC rows); proven on %s, '
            'this server is %s' % (PROVEN_ON, server))


def table_sizes(conn, names: list[str]):
    """(name, rows, bytes) of the tables ``names``, from the server's statistics."""
    return conn.execute(sa.text(
        'SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH '
        'FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() '
        'AND TABLE_NAME IN :names').bindparams(sa.bindparam('names', expanding=True)),
        {'names': names})


def bytes_per_character(conn) -> int:
    """Of the database's character set: a VARCHAR's length is counted in them."""
    return int(conn.execute(sa.text(
        'SELECT MAXLEN FROM information_schema.CHARACTER_SETS '
        'WHERE CHARACTER_SET_NAME = @@character_set_database')).scalar() or 4)


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
    (on, ol), (nn, nl) = classify.parse_type(old.type), classify.parse_type(new_type)
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
    """Algorithm of a raw ALTER that only drops and adds indexes, or swaps primary keys."""
    body = re.sub(r'^\s*ALTER\s+TABLE\s+\S+\s+', '', sql, flags=re.I)
    clauses = re.split(r',\s*(?![^()]*\))', body)
    if all(re.match(r'\s*(DROP\s+(INDEX|KEY)|ADD\s+(UNIQUE\s+)?(INDEX|KEY))', c, re.I)
           for c in clauses):
        return 'NOCOPY', 'NONE', 'index changes only'
    if [re.sub(r'\s+', ' ', c.strip()).upper().split(' (')[0] for c in clauses] == [
            'DROP PRIMARY KEY', 'ADD PRIMARY KEY']:
        return 'INPLACE', 'NONE', 'a primary key swapped for another rebuilds the table online'
    return 'COPY', 'SHARED', 'raw ALTER: assuming a copy'


def _algorithm(op, schema):
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


def claims(op, schema) -> dict:
    algorithm, lock, reason = _algorithm(op, schema)
    return dict(algorithm=algorithm, lock=lock, note=reason,
                writes_wait=lock not in (None, 'NONE'),
                blocks_writes=lock == 'SHARED' or (algorithm == 'INPLACE' and lock != 'NONE'))


def cost(op) -> str:
    """The COST column of a plan's text."""
    return '%s/%s' % (op['algorithm'], op['lock']) if op['algorithm'] else '-'


def create_database(admin, name):
    """A scratch database beside the live one, with its character set."""
    charset, collation = admin.execute(sa.text(
        'SELECT @@character_set_database, @@collation_database')).one()
    admin.execute(sa.text('CREATE DATABASE `%s` CHARACTER SET %s COLLATE %s'
                          % (name, charset, collation)))


def drop_database(admin, name):
    admin.execute(sa.text('DROP DATABASE IF EXISTS `%s`' % name))


def foreign_key_checks(conn, on: bool):
    conn.execute(sa.text('SET foreign_key_checks = %d' % bool(on)))
