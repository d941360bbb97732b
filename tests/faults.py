"""Crash a revision after any of its statements, rerun, compare with a clean run.

For each revision R of a chain the harness keeps a database at R's parent
(``Snapshot``: built once by walking the chain, cloned per point), and for a
chosen statement k of R it

1. clones the snapshot,
2. forks a child that runs ``upgrade R`` in-process and calls ``os._exit``
   right after statement k (no rollback, no close: the server sees the
   connection drop, SQLite finds a hot journal),
3. runs ``upgrade R`` again through the normal command path,
4. compares schema and rows with the uninterrupted run to R.

Statements are counted from the moment R is announced until the run ends, so
the progress record's own writes are crash points too.

Full sweep (every statement of every revision)::

    .venv/bin/python -m tests.faults --backend mysql --service lbaas
    .venv/bin/python -m tests.faults --backend sqlite --service mistral
    .venv/bin/python -m tests.faults --backend postgresql --service lbaas --sample 3

``--online`` runs both the crashed run and the rerun as ``upgrade --online``
with batches of ``ONLINE.batch`` rows, so shadow copies, their cut-overs and
every batch are crash points too. ``--rows N`` fills the service's large
tables (``bench.bigdb``, MySQL and PostgreSQL) with N rows at the dataset's
start revision, so that batches and copies have rows to work on::

    .venv/bin/python -m tests.faults --backend mysql --service mistral --online --rows 40
"""
import argparse
import datetime
import os
import re
import pathlib
import shutil
import sys
import tempfile
import time
import zlib

import sqlalchemy as sa
from sqlalchemy import event

from dbmanage import chain as chains
from dbmanage import commands
from dbmanage import dialects
from dbmanage import services
from dbmanage.db import database
from dbmanage.migrate import runner
from tests import conftest


def _engine(url):
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


_TIMESTAMP = re.compile(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?')


def _timeless(value):
    """Timestamps a revision writes with now() differ from run to run."""
    if isinstance(value, datetime.datetime) or (
            isinstance(value, str) and _TIMESTAMP.fullmatch(value)):
        return 'TIMESTAMP'
    return value


_PG_CATALOG = (
    "SELECT table_name, column_name, ordinal_position, data_type, character_maximum_length, "
    "is_nullable, column_default, udt_name FROM information_schema.columns "
    "WHERE table_schema = 'public'",
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = 'public'::regnamespace",
    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "SELECT t.typname, e.enumsortorder, e.enumlabel FROM pg_enum e JOIN pg_type t "
    "ON t.oid = e.enumtypid",
)


def fingerprint(url):
    """Schema and rows of a database as one comparable text."""
    engine = _engine(url)
    out = []
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        tables = sorted(insp.get_table_names())
        if engine.dialect.name == 'mysql':
            for table in tables:
                ddl = conn.execute(sa.text('SHOW CREATE TABLE `%s`' % table)).one()[1]
                # Key order in SHOW CREATE TABLE follows creation order, which
                # the schema dump does not compare either.
                out.append('%s %s' % (table, sorted(
                    ' '.join(w for w in line.split() if not w.startswith('AUTO_INCREMENT='))
                    .rstrip(',') for line in ddl.splitlines())))
        elif engine.dialect.name == 'sqlite':
            # Alembic's batch mode writes a rebuilt table's constraints in
            # set order, which varies from run to run: compare them as a set.
            out += ['%s %s' % (name, sorted(line.strip().rstrip(',')
                                            for line in (sql or '').splitlines()))
                    for name, sql in conn.execute(sa.text(
                        "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                        'ORDER BY name'))]
        else:
            for query in _PG_CATALOG:
                out += sorted(repr(tuple(r)) for r in conn.execute(sa.text(query)))
        for table in tables:
            quoted = conn.dialect.identifier_preparer.quote(table)
            rows = conn.execute(sa.text('SELECT * FROM %s' % quoted))
            # Timestamps a revision writes with now() differ from run to run.
            out.append('%s: %s' % (table, sorted(repr(tuple(map(_timeless, r))) for r in rows)))
    engine.dispose()
    return '\n'.join(out)


class Database:
    """A database of the harness; ``copy()`` clones it (fast per backend)."""

    def __init__(self, backend, workdir, url=None, drop=None):
        self.backend, self.workdir = backend, workdir
        if url is None:
            url, drop = conftest.create_database(backend, workdir)
            if backend == 'mysql':
                # PyMySQL spends ~45 ms per connection preparing TLS the
                # local server does not offer; the harness connects a lot.
                url += '&ssl_disabled=true'
            if backend == 'sqlite':
                pathlib.Path(url.split(':///', 1)[1]).touch()  # an empty database
        self.url, self.drop = url, drop

    def _mysql_plan(self):
        engine = _engine(self.url)
        with engine.connect() as conn:
            plan = []
            for table in sa.inspect(conn).get_table_names():
                ddl = conn.execute(sa.text('SHOW CREATE TABLE `%s`' % table)).one()[1]
                rows = conn.execute(sa.text('SELECT COUNT(*) FROM `%s`' % table)).scalar()
                plan.append((table, ddl, rows))
        engine.dispose()
        return plan

    def copy(self):
        """A new Database with this one's schema and rows."""
        if self.backend == 'sqlite':
            url, _ = conftest.create_database('sqlite', self.workdir)
            path = url.split(':///', 1)[1]
            shutil.copyfile(self.url.split(':///', 1)[1], path)
            return Database('sqlite', self.workdir, url, lambda: os.unlink(path))
        if self.backend == 'postgresql':
            return Database('postgresql', self.workdir, *_pg_clone(self.url))
        plan = self.__dict__.get('plan') or self._mysql_plan()
        copy = Database('mysql', self.workdir)
        copy.plan = plan  # the harness never changes a copy it copies again
        source = self.url.rsplit('/', 1)[1].split('?')[0]
        engine = _engine(copy.url)
        with engine.connect() as conn:
            conn.execute(sa.text('SET foreign_key_checks = 0'))
            for table, ddl, rows in plan:
                conn.execute(sa.text(implicit_fk_indexes(table, ddl).replace(':', r'\:')))
                if rows:
                    conn.execute(sa.text('INSERT INTO `%s` SELECT * FROM `%s`.`%s`'
                                         % (table, source, table)))
            conn.commit()
        engine.dispose()
        return copy


_KEY = re.compile(r'^\s*KEY `([^`]+)` \(([^)]*)\),?$')
_FK = re.compile(r'^\s*CONSTRAINT `([^`]+)` FOREIGN KEY \(([^)]*)\)(.*?),?$')


def implicit_fk_indexes(table, ddl):
    """SHOW CREATE TABLE text that recreates MySQL's implicit foreign-key indexes.

    MySQL adds an index for a foreign key that has none and drops it by
    itself when a later index covers the key; a dumped KEY line would become
    an explicit index that stays. So such KEY lines are left out and the
    foreign key written as the chain wrote it (unnamed ones without a name,
    so they get the same generated name and index name again).
    """
    lines = ddl.splitlines()
    keys = {m.group(1): m.group(2) for m in map(_KEY.match, lines) if m}
    body, fks = [], []
    implicit = set()
    for line in lines:
        fk = _FK.match(line)
        if not fk:
            continue
        name, columns = fk.group(1), fk.group(2)
        generated = re.fullmatch(r'%s_ibfk_(\d+)' % re.escape(table), name)
        index = columns.split(',')[0].strip('`') if generated else name
        covered = [k for k, cols in keys.items() if k != index and cols.startswith(columns)]
        if keys.get(index) == columns and not covered:
            implicit.add(index)
        fks.append((int(generated.group(1)) if generated else 0, name, line.strip().rstrip(','),
                    'FOREIGN KEY (%s)%s' % (columns, fk.group(3)) if generated else None))
    for line in lines:
        key = _KEY.match(line)
        if (key and key.group(1) in implicit) or _FK.match(line):
            continue
        body.append(line.rstrip(','))
    head, columns, tail = body[0], body[1:-1], body[-1]
    columns += [unnamed or named for _, _, named, unnamed in sorted(fks)]
    return '\n'.join([head, ',\n'.join(columns), tail])


def _pg_clone(source_url):
    import uuid
    name = 'dbm_%s' % uuid.uuid4().hex[:12]
    source = source_url.rsplit('/', 1)[1]
    admin = _engine(conftest.PG_URL + '/postgres').execution_options(isolation_level='AUTOCOMMIT')
    with admin.connect() as conn:
        conn.execute(sa.text('CREATE DATABASE %s TEMPLATE %s' % (name, source)))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name))
        admin.dispose()
    return '%s/%s' % (conftest.PG_URL, name), drop


#: ``migrate.online.Settings`` of an online sweep, or None.
ONLINE = None


def online_settings(batch=3):
    from dbmanage.migrate import online
    return online.Settings(mode='always', batch=batch)


def _upgrade(url, service, revision, crash_at=None, texts=None):
    """``upgrade revision`` in this process; count (or crash at) statements of it.

    Returns the number of statements run once the revision was announced
    (and appends their SQL to ``texts`` if given).
    """
    engine = database.Database(url, 10).engine()
    seen = [None]  # None until the revision is announced

    def armed(revision_id):
        seen[0] = 0

    def counted(conn, cursor, statement, *args):
        if seen[0] is not None:
            seen[0] += 1
            if texts is not None:
                texts.append(statement)
            if seen[0] == crash_at:
                os._exit(0)
    event.listen(engine, 'after_cursor_execute', counted)
    with engine.connect() as conn:
        online = None
        if ONLINE is not None:
            from dbmanage.migrate import online as online_
            online = online_.Online(conn, dialects.of(conn), ONLINE)
        runner.upgrade(conn, services.get(service), revision, before_revision=armed,
                       online=online)
    engine.dispose()
    return seen[0] or 0


def crash(url, service, revision, k):
    """Run ``upgrade revision`` in a child killed right after statement k."""
    pid = os.fork()
    if pid == 0:
        try:
            _upgrade(url, service, revision, crash_at=k)
            os._exit(3)  # ran to the end: k was past the last statement
        except BaseException:
            os._exit(4)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 4:
        raise AssertionError('upgrade %s failed before statement %d' % (revision, k))
    return code == 0


def rerun(url, service, revision):
    """The normal command path, as an operator's rerun."""
    ctx = commands.Context(service=services.get(service), url=url, host='faults',
                           online=ONLINE)
    result = commands.execute(ctx, 'upgrade', {'revision': revision, 'online': ONLINE is not None})
    ctx.database.dispose()
    return result


def ci_point(revision, count):
    """One deterministic statement of a revision, spread over the chain."""
    return 1 + zlib.crc32(revision.encode()) % count


def _seeder(service, rows):
    """``seed(url, revision)``: fills the service's large tables with ``rows``
    rows once ``revision`` is the dataset's start; does nothing without rows."""
    if not rows:
        return lambda url, revision: None
    from bench import bigdb
    dataset = bigdb.DATASETS[service]

    def seed(url, revision):
        if revision == dataset.start:
            engine = _engine(url)
            with engine.connect() as conn:
                bigdb.fill(conn, dataset, rows - rows % dataset.unit)
            engine.dispose()
    return seed


def sweep(backend, service, points='all', revisions=None, report=print, online=False,
          rows=0):
    """Crash every revision at the chosen points; return the failures.

    ``points``: 'all' (every statement), 'ci' (one, ``ci_point``), or an
    int n (n statements spread evenly over the revision). ``online`` runs
    every upgrade as ``upgrade --online``; ``rows`` seeds the large tables.
    """
    global ONLINE
    ONLINE = online_settings() if online else None
    seed = _seeder(service, rows)
    chain = [r.revision for r in reversed(chains.load(services.get(service)).ordered)]
    workdir = pathlib.Path(tempfile.mkdtemp(prefix='dbm_faults_'))
    if points == 'ci':
        return _lockstep(backend, service, chain, workdir, report, seed)
    template = Database(backend, workdir)
    failures, total, started = [], 0, time.monotonic()
    try:
        for revision in chain:
            if revisions and revision not in revisions:
                _upgrade(template.url, service, revision)
                seed(template.url, revision)
                continue
            parent = template.copy()
            try:
                if fingerprint(parent.url) != fingerprint(template.url):
                    raise AssertionError('a copy of the database at %s differs' % revision)
                count = _upgrade(template.url, service, revision)
                expected = fingerprint(template.url)
                seed(template.url, revision)
                if points == 'all':
                    chosen = range(1, count + 1)
                else:
                    chosen = sorted({1 + i * count // points for i in range(points)})
                for k in chosen:
                    total += 1
                    error = _point(parent, service, revision, k, expected)
                    if error:
                        failures.append((revision, k, error))
                        report('FAIL %s statement %d/%d: %s' % (revision, k, count, error))
            finally:
                parent.drop()
    finally:
        template.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    report('%s %s: %d points, %d failed, %.1f s' % (
        backend, service, total, len(failures), time.monotonic() - started))
    return failures


def _point(parent, service, revision, k, expected):
    db = parent.copy()
    try:
        return _crash_and_compare(db.url, service, revision, k, expected)
    finally:
        db.drop()


def _lockstep(backend, service, chain, workdir, report, seed):
    """One point per revision without copies: two databases walk the chain,
    one cleanly, the other crashed once in every revision and rerun."""
    clean, crashed = Database(backend, workdir), Database(backend, workdir)
    failures, started = [], time.monotonic()
    try:
        for revision in chain:
            count = _upgrade(clean.url, service, revision)
            k = ci_point(revision, count)
            error = _crash_and_compare(crashed.url, service, revision, k,
                                       fingerprint(clean.url))
            if error:
                failures.append((revision, k, error))
                report('FAIL %s statement %d/%d: %s' % (revision, k, count, error))
                break  # the crashed database is no longer at a known revision
            seed(clean.url, revision)
            seed(crashed.url, revision)
    finally:
        clean.drop()
        crashed.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    report('%s %s: %d points, %d failed, %.1f s' % (
        backend, service, len(chain), len(failures), time.monotonic() - started))
    return failures


def _crash_and_compare(url, service, revision, k, expected):
    """Crash ``upgrade revision`` after statement k, rerun, compare; None if equal."""
    if not crash(url, service, revision, k):
        return 'statement %d never ran' % k
    result = rerun(url, service, revision)
    if not result.ok:
        return result.error
    found = fingerprint(url)
    if found != expected:
        import difflib
        diff = [line for line in difflib.unified_diff(
            expected.splitlines(), found.splitlines(), lineterm='', n=0)
            if line[:1] in '+-' and line[:3] not in ('---', '+++')]
        return 'differs from an uninterrupted run: %s' % ' | '.join(diff)[
            :int(os.environ.get('FAULTS_DIFF', 2000))]
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--backend', choices=conftest.BACKENDS, required=True)
    parser.add_argument('--service', choices=('mistral', 'lbaas'), required=True)
    parser.add_argument('--sample', type=int, help='statements per revision (default: all)')
    parser.add_argument('--ci', action='store_true', help='one point per revision')
    parser.add_argument('--revision', action='append', help='only this revision (repeatable)')
    parser.add_argument('--online', action='store_true', help='upgrade --online, batches of 3')
    parser.add_argument('--rows', type=int, default=0,
                        help='rows in the large tables (MySQL, PostgreSQL)')
    args = parser.parse_args(argv)
    points = 'ci' if args.ci else (args.sample or 'all')
    failures = sweep(args.backend, args.service, points, args.revision, online=args.online,
                     rows=args.rows)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
