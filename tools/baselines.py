"""Regenerate the baselines of services from their chains (a development tool).

A baseline (``dbmanage.migrate.baseline``) is the dump of a database the
chain itself migrated from empty to head. After adding or editing a
revision, regenerate them on the test servers (``pg_dump`` is needed)::

    .venv/bin/python tools/baselines.py mistral lbaas

The default test suite proves, per service and dialect, that a baseline
install is identical to replaying the chain.
"""
import argparse
import datetime
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import uuid

import sqlalchemy as sa

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from dbmanage import chain  # noqa: E402
from dbmanage import dialects  # noqa: E402
from dbmanage import services  # noqa: E402
from dbmanage.db import urls  # noqa: E402
from dbmanage.migrate import baseline  # noqa: E402
from dbmanage.migrate import runner  # noqa: E402

# The generating session runs in this zone, so local and UTC stamps differ.
_OFFSET = datetime.timedelta(hours=5)
_SESSION_ZONE = {'mysql': "SET time_zone = '+05:00'",
                 'postgresql': "SET TIME ZONE 'Etc/GMT-5'"}
# The generating MySQL database's default: a collation no chain names, so a
# table at it follows the database's default and one at any other was
# given its character set or collation by the chain.
_GENERATING_COLLATION = 'utf8mb4_unicode_520_ci'


def _as_time(value):
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0, tzinfo=None)
    if isinstance(value, str) and re.match(r'^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d', value):
        try:
            return datetime.datetime.fromisoformat(value[:19])
        except ValueError:
            return None
    return None


def _rows(cursor, table, quote, literal, window, dialect):
    """INSERTs for a table's rows; install-time stamps become expressions."""
    cursor.execute('SELECT * FROM %s' % (quote % table))
    names = [d[0] for d in cursor.description]
    found = []
    for row in sorted(cursor.fetchall(), key=repr):
        values = []
        for value in row:
            stamp = _as_time(value)
            if stamp and window[0] <= stamp <= window[1]:
                values.append(dialects.named(dialect).now['utc'])
            elif stamp and window[0] + _OFFSET <= stamp <= window[1] + _OFFSET \
                    and dialect != 'sqlite':
                values.append(dialects.named(dialect).now['local'])
            else:
                values.append(literal(value))
        found.append('INSERT INTO %s (%s) VALUES (%s)' % (
            quote % table, ', '.join(quote % n for n in names), ', '.join(values)))
    return found


def _dump_mysql(conn, window):
    raw = conn.connection.driver_connection
    cursor = raw.cursor()
    statements = ['SET FOREIGN_KEY_CHECKS=0']
    cursor.execute('SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES '
                   'WHERE TABLE_SCHEMA = DATABASE()')
    collations = dict(cursor.fetchall())
    tables = sorted(collations)
    for table in tables:
        cursor.execute('SHOW CREATE TABLE `%s`' % table)
        ddl = re.sub(r' AUTO_INCREMENT=\d+', '', cursor.fetchone()[1])
        if collations[table] == _GENERATING_COLLATION:
            # Only restates the database's default: without it the table
            # takes the default of the database it is installed in, as the
            # chain's does. Column clauses differ from the table's, so stay.
            columns, options = ddl.rsplit('\n', 1)
            ddl = columns + '\n' + re.sub(r' DEFAULT CHARSET=\w+( COLLATE=\w+)?', '',
                                          options, count=1)
        statements.append(ddl)
    for table in tables:
        statements += _rows(cursor, table, '`%s`', raw.escape, window, 'mysql')
    statements.append('SET FOREIGN_KEY_CHECKS=1')
    return statements


def _dump_postgresql(url, window, conn, schema):
    """The chain ran in ``schema``, named like no other word of the dump:
    pg_dump qualifies every name with it, and the baseline leaves it out so
    that the install goes to the current schema, as the chain's would."""
    parts = urls.split(url)
    argv = ['pg_dump', '--no-owner', '--no-privileges', '--schema-only',
            '--schema', schema,
            '-h', parts.host or 'localhost', '-p', str(parts.port or 5432),
            '-U', parts.username or 'postgres', parts.database]
    ddl = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    # psql meta-commands (\restrict) and comments are not SQL.
    ddl = '\n'.join(line for line in ddl.splitlines()
                    if not line.startswith(('\\', '--')))
    ddl = ddl.replace(schema + '.', '')
    # Session settings (search_path above all) would outlive the install.
    schema_only = [s.strip() for s in ddl.split(';\n') if s.strip() and not
                   s.strip().startswith(('SET ', 'SELECT pg_catalog.set_config',
                                         'CREATE SCHEMA '))]
    raw = conn.connection.driver_connection
    cursor = raw.cursor()
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                   "ORDER BY tablename")
    tables = [r[0] for r in cursor.fetchall()]
    rows = []
    for table in tables:
        rows += _rows(cursor, table, '"%s"',
                      lambda v: cursor.mogrify('%s', (v,)).decode(), window,
                      'postgresql')
    cursor.execute("SELECT sequencename, last_value FROM pg_sequences "
                   "WHERE schemaname = current_schema() AND last_value IS NOT NULL "
                   "ORDER BY sequencename")
    sequences = ["SELECT setval('%s', %d)" % r for r in cursor.fetchall()]
    # Tables, then rows, then keys and indexes, as pg_dump orders a restore.
    split = next((i for i, s in enumerate(schema_only)
                  if s.startswith('ALTER TABLE ONLY')), len(schema_only))
    return schema_only[:split] + rows + sequences + schema_only[split:]


def _dump_sqlite(conn, window):
    raw = conn.connection.driver_connection
    cursor = raw.cursor()
    cursor.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                   "AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, name")
    objects = cursor.fetchall()
    statements = [sql for name, sql in objects if sql.startswith('CREATE TABLE')]
    for name, sql in objects:
        if sql.startswith('CREATE TABLE'):
            statements += _rows(cursor, name, '"%s"', _sqlite_literal, window,
                                'sqlite')
    statements += [sql for name, sql in objects if not sql.startswith('CREATE TABLE')]
    return statements


def _sqlite_literal(value):
    if value is None:
        return 'NULL'
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, bytes):
        return "X'%s'" % value.hex()
    return "'%s'" % str(value).replace("'", "''")


def generate(service, dialect, server_url, folder):
    """Migrate a scratch database through the chain and dump it."""
    name = 'dbm_baseline_%s' % uuid.uuid4().hex[:8]
    if dialect == 'sqlite':
        url = 'sqlite:///%s/%s.sqlite' % (folder, name)
        admin = None
    else:
        admin = sa.create_engine(server_url + ('/mysql' if dialect == 'mysql' else '/postgres'),
                                 isolation_level='AUTOCOMMIT', poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.exec_driver_sql('CREATE DATABASE %s%s' % (
                name, ' CHARACTER SET utf8mb4 COLLATE %s' % _GENERATING_COLLATION
                if dialect == 'mysql' else ''))
        url = '%s/%s%s' % (server_url, name, '?charset=utf8mb4' if dialect == 'mysql' else '')
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if dialect in _SESSION_ZONE:
                conn.exec_driver_sql(_SESSION_ZONE[dialect])
            if dialect == 'postgresql':
                conn.exec_driver_sql('CREATE SCHEMA %s' % name)
                conn.exec_driver_sql('SET search_path = %s' % name)
            conn.commit()
            started = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
            runner.upgrade(conn, service, 'head')
            conn.commit()
            ended = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
            window = (started.replace(microsecond=0) - datetime.timedelta(seconds=1),
                      ended + datetime.timedelta(seconds=1))
            if dialect == 'mysql':
                statements = _dump_mysql(conn, window)
            elif dialect == 'postgresql':
                statements = _dump_postgresql(url, window, conn, name)
            else:
                statements = _dump_sqlite(conn, window)
    finally:
        engine.dispose()
        if admin is not None:
            time.sleep(0.1)
            with admin.connect() as conn:
                conn.exec_driver_sql('DROP DATABASE IF EXISTS %s' % name)
            admin.dispose()
    text = baseline._header(service, dialect, chain.load(service).heads[0])
    text += ('-- Generated by "tools/baselines.py"; do not edit.\n'
             '-- Statements end at a line holding only "-- ;".' + baseline._END)
    text += ''.join(s + baseline._END for s in statements)
    target = baseline.path(service, dialect)
    target.parent.mkdir(exist_ok=True)
    target.write_text(text, encoding='utf-8')
    return target


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Regenerate the baselines of services from their chains.')
    parser.add_argument('services', nargs='+')
    parser.add_argument('--mysql', default=os.environ.get(
        'DBMANAGE_TEST_MYSQL_URL', 'mysql+pymysql://root@127.0.0.1:3306'))
    parser.add_argument('--postgresql', default=os.environ.get(
        'DBMANAGE_TEST_PG_URL', 'postgresql+psycopg2://postgres@127.0.0.1:5432'))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        for name in args.services:
            service = services.get(name)
            for dialect, server in (('mysql', args.mysql), ('postgresql', args.postgresql),
                                    ('sqlite', None)):
                print(generate(service, dialect, server, folder))


if __name__ == '__main__':
    sys.exit(main())
