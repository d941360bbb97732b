"""Fresh installs in one step: the head schema from a per-dialect baseline.

A baseline is the dump of a database the chain itself migrated from empty
to head: its DDL exactly as the server reports it and every row the chain
seeded, ``alembic_version`` included. It lives beside the chain
(``<service package>/baseline/<dialect>.sql``) and names the head it was
made at and a digest of the revision files; when either differs from the
chain's, it is ignored and the chain replayed. That check needs only the
revision files read as text (``candidate``), so a fresh install loads
Alembic only when the chain must run. Regenerate the baselines after adding a revision::

    python -m dbmanage_agent.baseline mistral lbaas

(needs ``pg_dump`` and the test servers, see ``--help``). The default test
suite proves, per service and dialect, that the result is identical to
replaying the chain.

Seed values the chain takes from the clock at install time (``now``) are
written as the same expression, so a baseline install stamps its own time.

A baseline install follows the database as the chain does: MySQL tables
take the database's default character set and collation (the baseline
leaves out the clauses that only restated the generating database's
default), and PostgreSQL objects go to the current schema, the first of
the session's ``search_path`` (the baseline names no schema).

Crash safety: PostgreSQL and SQLite run the whole script in one transaction.
MySQL commits each DDL statement, so a marker table is created first and
dropped last; its comment names the head being installed. A run that finds
the marker without a version row (the baseline's last statement) drops what
the interrupted run created and starts again.
"""
import argparse
import dataclasses
import datetime
import hashlib
import re
import sys
import tempfile
import time
import uuid

from dbmanage import chain
from dbmanage.db import urls
from dbmanage.db import driver
from dbmanage import errors
from dbmanage.db import versions

MARKER = 'dbmanage_baseline_in_progress'
_HEADER = '-- dbmanage baseline: service=%s dialect=%s head=%s chain=%s\n'
_END = '\n-- ;\n'   # ends every statement: seed text never holds this line

# How a chain stamps the install time: in UTC, or in the session's time zone.
NOW = {
    'mysql': {'utc': 'UTC_TIMESTAMP()', 'local': 'CURRENT_TIMESTAMP'},
    'postgresql': {'utc': "date_trunc('second', timezone('utc', now()))",
                   'local': 'CURRENT_TIMESTAMP'},
    'sqlite': {'utc': "datetime('now')", 'local': 'CURRENT_TIMESTAMP'},
}
# The generating session runs in this zone, so local and UTC stamps differ.
_OFFSET = datetime.timedelta(hours=5)
_SESSION_ZONE = {'mysql': "SET time_zone = '+05:00'",
                 'postgresql': "SET TIME ZONE 'Etc/GMT-5'"}
# The generating MySQL database's default: a collation no chain names, so a
# table at it follows the database's default and one at any other was
# given its character set or collation by the chain.
_GENERATING_COLLATION = 'utf8mb4_unicode_520_ci'


def path(service, dialect):
    return service.folder / 'baseline' / ('%s.sql' % dialect)


def read(service, dialect):
    """The statements of the service's baseline for ``dialect``, or None.

    None when there is no baseline or it was made at another head than the
    chain's (then the chain is replayed).
    """
    found = path(service, dialect)
    if not found.exists():
        return None
    text = found.read_text(encoding='utf-8')
    heads = chain.load(service).heads
    if len(heads) != 1 or not text.startswith(_header(service, dialect, heads[0])):
        return None
    return [s for s in (part.strip() for part in text.split(_END)[1:]) if s]


def _header(service, dialect, head):
    """Names the chain a baseline was made from: its head and a digest of
    every revision file, so an edited revision makes it stale too."""
    digest = hashlib.sha256()
    for source in sorted(service.versions_dir.glob('*.py')):
        digest.update(source.name.encode() + b'\0' + source.read_bytes() + b'\0')
    return _HEADER % (service.name, dialect, head, digest.hexdigest()[:16])


_TABLES = {
    'mysql': 'SHOW TABLES',
    'postgresql': 'SELECT tablename FROM pg_tables WHERE schemaname = current_schema()',
    'sqlite': "SELECT name FROM sqlite_master WHERE type = 'table' "
              "AND name NOT LIKE 'sqlite_%'",
}


def _all_tables(link):
    return [row[0] for row in driver.query(link.dbapi, _TABLES[link.dialect])]


def _tables(link):
    """The service's tables: dbmanage's own (``dbmanage_*``: the lock on
    Galera, the progress record, this marker) exist only while a run holds
    the lock, and are neither the service's nor ours to drop here."""
    return [name for name in _all_tables(link) if not name.startswith('dbmanage_')]


def _heads(link):
    if 'alembic_version' not in _tables(link):
        return []
    return sorted(row[0] for row in driver.query(link.dbapi, versions.QUERY))


def marker(head):
    """The MySQL statement that opens a baseline install of ``head``.

    The head is in the table's definition, which commits with the table:
    the marker may outlive its install for any time (the run killed just
    before dropping it), and by then the chain may have a newer head.
    """
    return "CREATE TABLE `%s` (started DATETIME) COMMENT='head=%s'" % (MARKER, head)


def _marked_head(conn):
    """None without a marker; else the head it names ('' for a marker of
    an earlier version, which names none)."""
    rows = driver.query(conn, "SELECT TABLE_COMMENT FROM information_schema.TABLES "
                              "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%s'" % MARKER)
    if not rows:
        return None
    found = re.fullmatch(r'head=(\S+)', rows[0][0] or '')
    return found.group(1) if found else ''


def recover(link, service):
    """Finish or undo a MySQL baseline that was interrupted.

    The marker table exists from the baseline's first statement to its
    last, and the version row is the last statement before it goes. With
    the version row, the install completed (the service may have used the
    database since) and only the marker goes. Without it, the database
    holds part of a baseline on what was an empty database, and all of it
    is dropped, so the run installs again. A version row other than the
    head the marker names was written by someone else: nothing is touched.
    """
    if link.dialect != 'mysql':
        return
    conn = link.dbapi
    marked = _marked_head(conn)
    if marked is not None:
        heads = _heads(link)
        if marked and heads and heads != [marked]:
            raise errors.OperationFailed(
                'the database is at %s, but the table %s says a baseline install of %s '
                'was interrupted; check the database, then drop that table'
                % (', '.join(heads), MARKER, marked))
        if not heads:
            driver.execute(conn, 'SET FOREIGN_KEY_CHECKS=0')
            for table in _tables(link):
                driver.execute(conn, 'DROP TABLE `%s`' % table)
            driver.execute(conn, 'SET FOREIGN_KEY_CHECKS=1')
        driver.execute(conn, 'DROP TABLE `%s`' % MARKER)
    conn.commit()


def install(link, statements, head, before_statement=None):
    """Run the baseline of ``head`` on the empty database behind ``link``
    (no transaction open). On MySQL ``before_statement(what)`` runs before
    each statement (the Galera lock's fence)."""
    raw_conn = link.dbapi
    cursor = raw_conn.cursor()
    if link.dialect == 'mysql':
        # DDL commits at once here: the marker brackets the whole run, and
        # the version row comes last (see ``recover``).
        fence = before_statement or (lambda what: None)
        stamp = [s for s in statements if s.startswith('INSERT INTO `alembic_version`')]
        cursor.execute(marker(head))
        for number, statement in enumerate([s for s in statements if s not in stamp] + stamp):
            fence('statement %d of the baseline' % (number + 1))
            cursor.execute(statement)
        raw_conn.commit()
        cursor.execute('DROP TABLE `%s`' % MARKER)
    else:
        if link.dialect == 'sqlite':
            cursor.execute('BEGIN')   # the connection runs in autocommit
        try:
            for statement in statements:
                cursor.execute(statement)
        except BaseException:
            raw_conn.rollback()
            raise
        raw_conn.commit()
    cursor.close()


@dataclasses.dataclass
class Fresh:
    """A baseline install to take if the database is empty under the lock.

    Decided from the chain's text alone (``chain.load``): the baseline
    names a digest of every revision file, so a baseline that applies is
    one Alembic loaded the same files for, and a fresh install to head
    needs neither Alembic's script directory nor Alembic itself.
    """
    found: object        # chain.Chain
    dialect: str
    statements: list

    @property
    def heads(self):
        return list(self.found.heads)

    @property
    def plan(self):
        """Every revision, oldest first."""
        return list(reversed(self.found.ordered))

    def applies(self, link):
        """True if the database behind ``link`` is of this baseline's dialect
        and empty, or holds a baseline that was interrupted (which
        ``recover`` drops, under the lock)."""
        if link.dialect != self.dialect:
            return False
        names = _all_tables(link)
        link.dbapi.commit()   # the look's; the install manages its own
        return MARKER in names or all(n.startswith('dbmanage_') for n in names)

    def install(self, link, on_applied, before_statement=None):
        """Run the baseline (holding the lock); return the revision(s) it recorded."""
        from dbmanage.result import Applied
        install(link, self.statements, self.heads[0], before_statement)
        for rev in self.plan:
            on_applied(Applied(revision=rev.revision, down_revision=rev.down_revision,
                               description=rev.description, duration=0.0))
        recorded = _heads(link)
        link.dbapi.commit()
        return recorded


def candidate(ctx, target):
    """The Fresh install an upgrade to ``target`` takes on an empty
    database, or None when only Alembic can decide (``fresh_install =
    chain``, a target below head or relative, a chain the text reader does
    not model, no baseline for the URL's dialect, or a stale one)."""
    if ctx.fresh_install != 'baseline':
        return None
    found = chain.load(ctx.service)
    if not found.linear:
        return None
    if target not in ('head', 'heads'):
        try:
            if not found.get(target).is_head:
                return None
        except (chain.AlembicNeeded, errors.UsageError):
            return None   # Alembic resolves it, or words the error
    try:
        backend = urls.split(ctx.url).backend
    except errors.UsageError:
        return None       # reported where the engine is made, as before
    dialect = {'mariadb': 'mysql'}.get(backend, backend)
    statements = read(ctx.service, dialect)
    if not statements:
        return None
    return Fresh(found, dialect, statements)


# -- making baselines ---------------------------------------------------------

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
                values.append(NOW[dialect]['utc'])
            elif stamp and window[0] + _OFFSET <= stamp <= window[1] + _OFFSET \
                    and dialect != 'sqlite':
                values.append(NOW[dialect]['local'])
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
    import subprocess
    from dbmanage.db import urls
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
    import sqlalchemy as sa
    from dbmanage.migrate import runner
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
    text = _header(service, dialect, chain.load(service).heads[0])
    text += ('-- Generated by "python -m dbmanage_agent.baseline"; do not edit.\n'
             '-- Statements end at a line holding only "-- ;".' + _END)
    text += ''.join(s + _END for s in statements)
    target = path(service, dialect)
    target.parent.mkdir(exist_ok=True)
    target.write_text(text, encoding='utf-8')
    return target


def main(argv=None):
    import os
    from dbmanage import services
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
