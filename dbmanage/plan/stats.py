"""What the server says about the tables a plan touches: size, columns, version.

Row counts and sizes come from the server's statistics and are estimates
(InnoDB samples pages; PostgreSQL's reltuples is as fresh as the last
ANALYZE, and its live-tuple counter fills in for a table never analysed).
SQLite keeps no statistics, so there the count is exact.
"""
import sqlalchemy as sa

from dbmanage.plan import classify


def server_version(conn):
    dialect = conn.dialect.name
    if dialect == 'sqlite':
        return 'SQLite ' + conn.execute(sa.text('SELECT sqlite_version()')).scalar()
    if dialect == 'postgresql':
        return 'PostgreSQL ' + conn.execute(sa.text('SHOW server_version')).scalar().split()[0]
    text = conn.execute(sa.text('SELECT VERSION()')).scalar()
    number = text.split('-')[0]
    return ('MariaDB ' if 'mariadb' in text.lower() else 'MySQL ') + number


def tables(conn, names):
    """{table: {'rows': n, 'bytes': n or None}} for those of ``names`` that exist."""
    dialect = conn.dialect.name
    existing = set(sa.inspect(conn).get_table_names())
    names = sorted(set(names) & existing)
    found = {}
    if not names:
        return found
    if dialect == 'mysql':
        rows = conn.execute(sa.text(
            'SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH '
            'FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() '
            'AND TABLE_NAME IN :names').bindparams(sa.bindparam('names', expanding=True)),
            {'names': names})
    elif dialect == 'postgresql':
        rows = conn.execute(sa.text(
            'SELECT c.relname, CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint '
            'ELSE COALESCE(s.n_live_tup, 0) END, pg_total_relation_size(c.oid) '
            'FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid '
            'WHERE c.oid = ANY (SELECT to_regclass(n)::oid FROM unnest(:names) n)'),
            {'names': names})
    else:
        rows = [(n, conn.execute(sa.text('SELECT count(*) FROM "%s"' % n)).scalar(), None)
                for n in names]
    for name, count, size in rows:
        found[name] = {'rows': int(count or 0), 'bytes': int(size) if size is not None else None}
    return found


def schema(conn, names):
    """A classify.Schema seeded with the live columns and indexes of ``names``."""
    inspector = sa.inspect(conn)
    known = classify.Schema(dialect=conn.dialect.name)
    if conn.dialect.name == 'mysql':
        known.mbmaxlen = int(conn.execute(sa.text(
            'SELECT MAXLEN FROM information_schema.CHARACTER_SETS '
            'WHERE CHARACTER_SET_NAME = @@character_set_database')).scalar() or 4)
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
