"""What the server says about the tables a plan touches: size, columns.

Row counts and sizes come from the server's statistics and are estimates
(InnoDB samples pages; PostgreSQL's reltuples is as fresh as the last
ANALYZE, and its live-tuple counter fills in for a table never analysed).
SQLite keeps no statistics, so there the count is exact.
"""
from __future__ import annotations

import sqlalchemy as sa

from dbmanage.plan import classify


def tables(conn, dialect, names: list[str]):
    """{table: {'rows': n, 'bytes': n or None}} for those of ``names`` that exist."""
    existing = set(sa.inspect(conn).get_table_names())
    names = sorted(set(names) & existing)
    if not names:
        return {}
    return {name: {'rows': int(count or 0), 'bytes': int(size) if size is not None else None}
            for name, count, size in dialect.plan.table_sizes(conn, names)}


def schema(conn, dialect, names: list[str]):
    """A classify.Schema seeded with the live columns and indexes of ``names``."""
    inspector = sa.inspect(conn)
    known = classify.Schema(restates_type=dialect.plan.RESTATES_TYPE,
                            mbmaxlen=dialect.plan.bytes_per_character(conn))
    existing = set(inspector.get_table_names())
    for name in sorted(set(names) & existing):
        known.tables[name] = {
            c['name']: classify.Column(_render(c['type'], conn.dialect), c['nullable'])
            for c in inspector.get_columns(name)}
        indexed = {i['name']: i['column_names'] for i in inspector.get_indexes(name)}
        for u in inspector.get_unique_constraints(name):
            indexed[u['name']] = u['column_names']
        for fk in inspector.get_foreign_keys(name):
            indexed[fk['name']] = fk['constrained_columns']
        pk = inspector.get_pk_constraint(name)
        indexed[pk.get('name') or 'PRIMARY'] = pk['constrained_columns']
        known.primary[name] = pk['constrained_columns']
        known.indexed[name] = indexed
    return known


def _render(type_, dialect):
    try:
        return type_.compile(dialect=dialect)
    except Exception:
        return str(type_)
