"""The plan's claims on PostgreSQL: each operation's table lock and rewrite.

The test suite proves them by reading ``pg_locks`` while the operation
runs, and a rewrite as a new ``relfilenode``.
"""
from __future__ import annotations

import sqlalchemy as sa

from dbmanage.plan import classify

#: Table lock modes, weakest first.
LOCKS = ('ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE',
         'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE')
ESTIMATES = "rows and bytes are the server's statistics (estimates)"
FILLS_IMPLICIT_DEFAULT = False
RESTATES_TYPE = False


def server_version(conn) -> str:
    return 'PostgreSQL ' + conn.execute(sa.text('SHOW server_version')).scalar().split()[0]


def claims_hold_for(server: str) -> str:
    return 'PostgreSQL 11 and later (catalog-only ADD COLUMN); proven on %s' % server


def table_sizes(conn, names: list[str]):
    """(name, rows, bytes): reltuples is as fresh as the last ANALYZE, and the
    live-tuple counter fills in for a table never analysed."""
    return conn.execute(sa.text(
        'SELECT c.relname, CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint '
        'ELSE COALESCE(s.n_live_tup, 0) END, pg_total_relation_size(c.oid) '
        'FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid '
        'WHERE c.oid = ANY (SELECT to_regclass(n)::oid FROM unnest(:names) n)'),
        {'names': names})


def bytes_per_character(conn) -> int:
    return 4


def _pg_rewrites(old, new):
    (on, ol), (nn, nl) = classify.parse_type(old), classify.parse_type(new)
    if (on, ol) == (nn, nl):
        return False
    if on == nn == 'VARCHAR':
        return nl is not None and ol is not None and nl < ol
    if on in ('VARCHAR', 'TEXT') and nn == 'TEXT':
        return False
    return True


def _lock(op, schema):
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


def claims(op, schema) -> dict:
    lock, rewrite, scans, reason = _lock(op, schema)
    return dict(lock=lock, rewrite=rewrite, note=reason,
                writes_wait=LOCKS.index(lock or 'ACCESS SHARE') >= LOCKS.index('SHARE'),
                blocks_writes=op.kind != 'create_table' and (rewrite or (
                    scans and LOCKS.index(lock) >= LOCKS.index('SHARE'))))


def cost(op) -> str:
    return (op['lock'] or '-') + (' rewrite' if op['rewrite'] else '')


def create_database(admin, name):
    admin.execute(sa.text('CREATE DATABASE "%s"' % name))


def drop_database(admin, name):
    admin.execute(sa.text('DROP DATABASE IF EXISTS "%s"' % name))


def foreign_key_checks(conn, on: bool):
    """Rows are copied parents first; nothing to switch off."""
