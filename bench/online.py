"""Upgrade a large database to head while a service keeps writing to it.

    python bench/online.py [--service mistral|lbaas] [--backend mysql|postgresql|galera]
                           [--rows N] [--mode plain|online|both] [--lock-timeout S] [--keep]

Builds a database at an early revision holding N rows of the service's
largest tables (bench/bigdb.py: for Mistral at 021, N action executions,
N/2 task and N/4 workflow executions with about 0.5 KB of JSON each; for
lbaas at 62816c232310, N members of N/8 load balancers with their VIPs,
amphorae, listeners, pools, monitors and statistics), takes one identical
copy per upgrade mode, and runs ``<service>-db-manage upgrade head`` (with
``--online`` for the online mode) on each copy while a writer thread, on its
own connection, updates a random existing row every 20 ms and inserts a new
one every 100 ms, each write its own transaction with a lock wait timeout of
``--lock-timeout`` seconds.

Prints per mode the upgrade's wall time and slowest revisions, the writes
made during it (slowest, p99, p50, failed, and beside them the p99 before
the upgrade started), the three slowest writes with the statements each
server ran meanwhile (sampled every 0.1 s), acknowledged writes missing
afterwards, and rows per table. ``--mode both`` then takes the writer's writes out of both copies
(rows it inserted deleted, columns it updated set back from the original)
and checks that schema (tests/schemadump.py) and rows (a digest of every row
of every table) are identical. A program without ``--online`` is said so in
one line, and that mode skipped.

Servers: DBMANAGE_TEST_MYSQL_URL / DBMANAGE_TEST_PG_URL (tests/conftest.py);
``galera`` is the 3-node cluster of tests/tools/galera.sh on ports 3341-3343
(GALERA_BASE=/tmp/bench-galera, started when not running, left running): the
upgrade runs against node 1, the writer writes to node 2.
"""
import argparse
import collections
import datetime
import hashlib
import itertools
import json
import math
import os
import pathlib
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from typing import NamedTuple

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import bigdb  # noqa: E402
from tests import conftest, faults, schemadump  # noqa: E402

BIN = pathlib.Path(sys.executable).parent
UPDATE_EVERY, INSERT_EVERY = 0.02, 0.1
SAMPLE_EVERY = 0.1  # seconds between two looks at what the servers run
#: A statement waiting this long for a metadata lock is taken for a stalled
#: cluster: the sampler prints every node's threads and lock holders once.
STALLED_AFTER = 60
WARM_UP = 2.0       # seconds the writer runs before the upgrade: its floor
GALERA = {'GALERA_BASE': '/tmp/bench-galera', 'GALERA_PORT': '3340',
          'GALERA_WSREP_PORT': '4700'}
GALERA_SH = ROOT / 'tests' / 'tools' / 'galera.sh'


# --- servers and databases

class Server:
    """Where the databases live: ``url`` for building and upgrading,
    ``writer_url`` for the writer (another Galera node)."""

    def __init__(self, backend):
        if backend == 'galera':
            port = int(GALERA['GALERA_PORT'])
            self.url = 'mysql+pymysql://root@127.0.0.1:%d' % (port + 1)
            self.writer_url = 'mysql+pymysql://root@127.0.0.1:%d' % (port + 2)
        else:
            self.url = self.writer_url = (conftest.PG_URL if backend == 'postgresql'
                                          else conftest.MYSQL_URL)
        self.mysql, self.galera = backend != 'postgresql', backend == 'galera'
        self.admin = sa.create_engine(self.url + ('/mysql' if self.mysql else '/postgres'),
                                      isolation_level='AUTOCOMMIT', poolclass=sa.pool.NullPool)

    def db_url(self, name, writer=False):
        return '%s/%s%s' % (self.writer_url if writer else self.url, name,
                            '?charset=utf8mb4' if self.mysql else '')

    def create(self, name):
        with self.admin.connect() as conn:
            conn.execute(sa.text('CREATE DATABASE %s%s' % (
                name, ' CHARACTER SET utf8mb4' if self.mysql else '')))
        return self.db_url(name)

    def copy(self, base, name):
        """A database identical to base (no one may be connected to it on PostgreSQL)."""
        if not self.mysql:
            with self.admin.connect() as conn:
                conn.execute(sa.text('CREATE DATABASE %s TEMPLATE %s' % (name, base)))
            return self.db_url(name)
        # CREATE TABLE ... LIKE drops foreign keys; SHOW CREATE TABLE keeps them,
        # and written as the chain wrote them they get the same implicit indexes.
        url = self.create(name)
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            conn.exec_driver_sql('SET SESSION foreign_key_checks = 0')
            tables = [row[0] for row in conn.exec_driver_sql(
                "SHOW FULL TABLES FROM %s WHERE Table_type = 'BASE TABLE'" % base)]
            for table in tables:
                conn.exec_driver_sql(faults.implicit_fk_indexes(table, conn.exec_driver_sql(
                    'SHOW CREATE TABLE %s.%s' % (base, table)).fetchone()[1]))
            for table in tables:
                _copy_rows(conn, base, table)
        engine.dispose()
        return url

    def settle(self, name):
        """Wait until the writer's node has applied all that the others wrote
        (a Galera node applies the copy's write sets after it is committed)."""
        if self.galera:
            engine = sa.create_engine(self.db_url(name, writer=True), poolclass=sa.pool.NullPool)
            with engine.connect() as conn:
                conn.exec_driver_sql('SET SESSION wsrep_sync_wait = 1')
                conn.exec_driver_sql('SELECT COUNT(*) FROM alembic_version').scalar()
            engine.dispose()

    def drop(self, name):
        with self.admin.connect() as conn:
            if not self.mysql:
                conn.execute(sa.text(
                    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
                    'WHERE datname = :n AND pid <> pg_backend_pid()'), {'n': name})
            conn.execute(sa.text('DROP DATABASE IF EXISTS %s' % name))


def _copy_rows(conn, base, table):
    """INSERT ... SELECT in chunks of the primary key: no Galera write set
    larger than bigdb.CHUNK rows."""
    pk = [row[4] for row in conn.exec_driver_sql('SHOW KEYS FROM %s.%s' % (base, table))
          if row[2] == 'PRIMARY']
    source = 'FROM %s.%s' % (base, table)
    if len(pk) != 1:
        conn.exec_driver_sql('INSERT INTO %s SELECT * %s' % (table, source))
        conn.commit()
        return
    key, last = pk[0], None
    while True:
        after = '' if last is None else ' WHERE %s > %%(last)s' % key
        bound = conn.exec_driver_sql('SELECT %s %s%s ORDER BY %s LIMIT 1 OFFSET %d' % (
            key, source, after, key, bigdb.CHUNK - 1), {'last': last}).scalar()
        upto = '' if bound is None else '%s %s <= %%(bound)s' % (after and ' AND' or ' WHERE',
                                                                key)
        conn.exec_driver_sql('INSERT INTO %s SELECT * %s%s%s' % (table, source, after, upto),
                             {'last': last, 'bound': bound})
        conn.commit()
        if bound is None:
            return
        last = bound


def start_galera():
    """Start the bench's cluster unless its three nodes are running; True if started."""
    env = {**os.environ, **GALERA}
    status = subprocess.run(['bash', str(GALERA_SH), 'status'], env=env, capture_output=True,
                            text=True).stdout
    if status.count('size=3 state=Synced') == 3:
        return False
    print('starting the Galera cluster (ports %d-%d) ...' % (
        int(GALERA['GALERA_PORT']) + 1, int(GALERA['GALERA_PORT']) + 3), flush=True)
    proc = subprocess.run(['bash', str(GALERA_SH), 'start'], env=env, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise SystemExit('the Galera cluster did not start: %s' % proc.stderr.strip()[-500:])
    return True


def galera_stop_command():
    return '%s bash %s stop' % (' '.join('%s=%s' % kv for kv in GALERA.items()),
                                GALERA_SH.relative_to(ROOT))


# --- the writer

class Writer(threading.Thread):
    """Writes as the service would, on one connection, until stopped.

    Every write is timed from its first statement to its commit (after a
    failure, from opening a new connection) and kept as (kind, started,
    seconds, error). Writes run on a schedule; one that blocks delays the
    next, which then starts at once rather than in a burst.
    """

    def __init__(self, url, dataset, n, lock_timeout):
        super().__init__(daemon=True)
        self.url, self.dataset, self.n, self.lock_timeout = url, dataset, n, lock_timeout
        self.stopping = threading.Event()
        self.writes = []
        self.acked = collections.defaultdict(dict)   # table -> key -> values last committed
        self.inserted = []                           # (table, key column, key) tried
        self.committed = []                          # the same, seen committed
        self.touched = collections.defaultdict(set)  # table -> keys whose update was tried
        self.rng = random.Random(42)                 # the same writes for every copy
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    def _connect(self):
        conn = self.engine.connect()
        if self.engine.dialect.name == 'mysql':
            conn.exec_driver_sql('SET SESSION innodb_lock_wait_timeout = %d, '
                                 'lock_wait_timeout = %d' % ((self.lock_timeout,) * 2))
        else:
            conn.exec_driver_sql("SET lock_timeout = '%ds'" % self.lock_timeout)
        conn.commit()
        return conn

    def _update(self, conn, k, now):
        target = self.dataset.targets[k % len(self.dataset.targets)]
        key = bigdb.uid(target.code, self.rng.randrange(target.count(self.n)) + 1)
        values = target.values(k, now)
        self.touched[target.table].add(key)
        with conn.begin():
            found = conn.execute(sa.text('UPDATE %s SET %s WHERE %s = :key' % (
                target.table, ', '.join('%s = :%s' % (c, c) for c in values), target.key)),
                {**values, 'key': key}).rowcount
        if found != 1:
            raise LookupError('%s %s: %d rows' % (target.table, key, found))
        self.acked[target.table][key] = values

    def _insert(self, conn, k, now):
        rows = self.dataset.insert(k, self.n, now)
        self.inserted += [(table, key, row[key]) for table, key, row in rows]
        with conn.begin():
            for table, _, row in rows:
                conn.execute(sa.text('INSERT INTO %s (%s) VALUES (%s)' % (
                    table, ', '.join(row), ', '.join(':' + c for c in row))), row)
        self.committed += self.inserted[-len(rows):]

    def run(self):
        conn, due = None, {'update': time.monotonic(), 'insert': time.monotonic()}
        counts = {'update': 0, 'insert': 0}
        while not self.stopping.is_set():
            kind = min(due, key=due.get)
            pause = due[kind] - time.monotonic()
            if pause > 0:
                self.stopping.wait(pause)
                continue
            started = time.monotonic()
            error = None
            try:
                conn = conn or self._connect()
                now = datetime.datetime.now(datetime.timezone.utc).replace(
                    tzinfo=None, microsecond=0)
                (self._update if kind == 'update' else self._insert)(conn, counts[kind], now)
            except Exception as exc:     # every failure is a figure, and a new connection
                error = _short(exc)
                conn = _close(conn)
            self.writes.append((kind, started, time.monotonic() - started, error))
            counts[kind] += 1
            due[kind] = max(due[kind] + (UPDATE_EVERY if kind == 'update' else INSERT_EVERY),
                            time.monotonic())
        _close(conn)
        self.engine.dispose()

    def stop(self):
        self.stopping.set()
        self.join()


class Sampler(threading.Thread):
    """What each node runs for the database, every ``SAMPLE_EVERY`` seconds:
    (when, node, statement prefix, state, seconds in it), so that a slow write
    can be set beside the statements it waited for."""

    def __init__(self, urls):
        super().__init__(daemon=True)
        self.engines = [sa.create_engine(url, poolclass=sa.pool.NullPool) for url in urls]
        self.stopping = threading.Event()
        self.samples = []
        self.stall_shown = False

    def _show_stall(self, conns):
        """The database's threads and the replication threads of every node,
        as ``_query`` picks them (no other session's statements, which could
        hold a password), and who holds which metadata lock (MariaDB's
        METADATA_LOCK_INFO, where the plugin loads)."""
        print('a statement has waited %d s for a metadata lock; what each node runs:'
              % STALLED_AFTER, flush=True)
        for node, conn in enumerate(conns, 1):
            for row in conn.exec_driver_sql(
                    "SELECT id, user, command, time, state, LEFT(REPLACE(info, '\\n', ' '), 100) "
                    "FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND "
                    "(db = DATABASE() OR user = 'system user')"):
                print('  node %d thread %s' % (node, tuple(row)), flush=True)
            try:
                conn.exec_driver_sql("INSTALL SONAME 'metadata_lock_info'")
            except sa.exc.DBAPIError:
                pass   # loaded already, or not there
            try:
                for row in conn.exec_driver_sql(
                        'SELECT thread_id, lock_mode, lock_type, table_schema, table_name '
                        'FROM information_schema.metadata_lock_info '
                        'WHERE table_schema = DATABASE()'):
                    print('  node %d lock %s' % (node, tuple(row)), flush=True)
            except sa.exc.DBAPIError as exc:
                print('  node %d: no lock information (%s)' % (node, _short(exc)), flush=True)
            conn.rollback()

    def _query(self, conn):
        if conn.dialect.name == 'mysql':
            return conn.exec_driver_sql(
                "SELECT LEFT(REPLACE(info, '\\n', ' '), 90), state, time_ms / 1000 "
                "FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND "
                "(db = DATABASE() OR user = 'system user') AND info IS NOT NULL")
        return conn.exec_driver_sql(
            "SELECT LEFT(REPLACE(query, E'\\n', ' '), 90), coalesce(wait_event, state), "
            "extract(epoch FROM now() - query_start) FROM pg_stat_activity WHERE "
            "datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'")

    def run(self):
        conns = [engine.connect() for engine in self.engines]
        while not self.stopping.wait(SAMPLE_EVERY):
            for node, conn in enumerate(conns, 1):
                now = time.monotonic()
                self.samples += [(now, node, info, state, float(seconds or 0))
                                 for info, state, seconds in self._query(conn)]
                conn.rollback()
            stalled = [s for s in self.samples[-20:] if 'metadata lock' in (s[3] or '')
                       and s[4] > STALLED_AFTER]
            if stalled and not self.stall_shown and conns[0].dialect.name == 'mysql':
                self.stall_shown = True
                self._show_stall(conns)
        for conn, engine in zip(conns, self.engines):
            conn.close()
            engine.dispose()

    def stop(self):
        self.stopping.set()
        self.join()

    def during(self, started, seconds):
        """The statements seen while a write that took ``seconds`` waited,
        each once, with the longest time it had been running."""
        seen = {}
        for when, node, info, state, running in self.samples:
            if started <= when <= started + seconds:
                key = (node, info, state)
                seen[key] = max(seen.get(key, 0.0), running)
        return sorted(seen.items(), key=lambda kv: -kv[1])[:6]


def slowest_writes(writer, sampler, start, count=3):
    """The ``count`` slowest writes of the upgrade, each with what ran meanwhile."""
    during = sorted((w for w in writer.writes if start <= w[1]), key=lambda w: -w[2])
    return [{'at_s': round(started - start, 1), 'seconds': round(seconds, 2), 'kind': kind,
             'error': error, 'meanwhile': [
                 'node %d: %s [%s, %.1f s]' % (node, info, state, running)
                 for (node, info, state), running in sampler.during(started, seconds)]}
            for kind, started, seconds, error in during[:count]]


def _short(exc):
    orig = getattr(exc, 'orig', exc)
    return ('%s: %s' % (type(orig).__name__, orig)).splitlines()[0][:120]


def _close(conn):
    if conn is not None:
        try:
            conn.close()
        except Exception:
            pass
    return None


def summary(writer, start, end):
    """Figures of the writes started while the upgrade ran, and the floor before it."""
    during = [w for w in writer.writes if start <= w[1] <= end]
    before = sorted(w[2] for w in writer.writes if w[1] < start)
    times = sorted(w[2] for w in during)
    failed = collections.Counter(w[3] for w in during if w[3])
    return {'writes': len(during),
            'updates': sum(1 for w in during if w[0] == 'update'),
            'inserts': sum(1 for w in during if w[0] == 'insert'),
            'slowest_s': round(times[-1], 3) if times else None,
            'p99_s': round(_percentile(times, 99), 3) if times else None,
            'p50_ms': round(_percentile(times, 50) * 1000, 1) if times else None,
            'p99_before_ms': round(_percentile(before, 99) * 1000, 1) if before else None,
            'failed': sum(failed.values()),
            'errors': dict(failed.most_common(3))}


def _percentile(ordered, pct):
    return ordered[max(0, math.ceil(len(ordered) * pct / 100) - 1)]


# --- checks on an upgraded copy

def _select_keys(conn, table, key, columns, keys):
    """{key: (values of columns)} of the rows whose key is in keys."""
    out, keys = {}, sorted(keys)
    for i in range(0, len(keys), 500):
        query = sa.text('SELECT %s, %s FROM %s WHERE %s IN :keys' % (
            key, ', '.join(columns), table, key)).bindparams(sa.bindparam('keys', expanding=True))
        for row in conn.execute(query, {'keys': keys[i:i + 500]}):
            out[row[0]] = tuple(row[1:])
    return out


def _wall_clock(values):
    """Timestamps as the writer wrote them: a TIMESTAMP WITH TIME ZONE column
    (lbaas's heartbeats on PostgreSQL) took the writer's naive time in the
    session's zone and gives it back with that zone."""
    if values is None:
        return None
    return tuple(v.replace(tzinfo=None) if isinstance(v, datetime.datetime) else v
                 for v in values)


def lost_writes(url, writer):
    """Writes the writer saw committed whose effect is not in the database."""
    lost = 0
    keys = {t.table: t.key for t in writer.dataset.targets}
    inserted = collections.defaultdict(set)
    for table, key, value in writer.committed:
        inserted[table, key].add(value)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        for table, acked in writer.acked.items():
            columns = sorted(next(iter(acked.values())))
            found = _select_keys(conn, table, keys[table], columns, acked)
            lost += sum(1 for k, v in acked.items()
                        if _wall_clock(found.get(k)) != tuple(v[c] for c in columns))
        for (table, key), values in inserted.items():
            lost += len(values - set(_select_keys(conn, table, key, [key], values)))
    engine.dispose()
    return lost


def undo_writes(url, base_url, writer):
    """Take the writer's writes out of an upgraded copy: delete the rows it
    inserted, set the columns it updated back to the original's values."""
    base = sa.create_engine(base_url, poolclass=sa.pool.NullPool)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with base.connect() as source, engine.connect() as conn:
        for target in writer.dataset.targets:
            keys = writer.touched.get(target.table)
            if not keys:
                continue
            columns = sorted(target.values(0, None))
            original = _select_keys(source, target.table, target.key, columns, keys)
            with conn.begin():
                conn.execute(sa.text('UPDATE %s SET %s WHERE %s = :key' % (
                    target.table, ', '.join('%s = :%s' % (c, c) for c in columns), target.key)),
                    [{'key': k, **dict(zip(columns, v))} for k, v in original.items()])
        with conn.begin():
            for table, key, value in reversed(writer.inserted):
                conn.execute(sa.text('DELETE FROM %s WHERE %s = :v' % (table, key)), {'v': value})
    base.dispose()
    engine.dispose()


def _ordered(conn, table):
    """Every row of table in primary key order (all columns' order without one), streamed."""
    inspector = sa.inspect(conn)
    quote = conn.dialect.identifier_preparer.quote
    order = (inspector.get_pk_constraint(table)['constrained_columns']
             or [c['name'] for c in inspector.get_columns(table)])
    return conn.execution_options(stream_results=True, yield_per=5000).execute(sa.text(
        'SELECT * FROM %s ORDER BY %s' % (quote(table), ', '.join(quote(c) for c in order))))


def fingerprint(url):
    """{table: (rows, digest of every row in primary key order)}."""
    out = {}
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        for table in sorted(sa.inspect(conn).get_table_names()):
            digest, count = hashlib.sha256(), 0
            for row in _ordered(conn, table):
                digest.update(repr(tuple(row)).encode())
                count += 1
            out[table] = (count, digest.hexdigest()[:16])
    engine.dispose()
    return out


def differences(runs, table):
    """{column: rows} where the copies' values differ, split in two: values
    that are each copy's own upgrade time (a revision stamping a row with the
    clock), and all others."""
    clock, other = collections.Counter(), collections.Counter()
    engines = [sa.create_engine(run.url, poolclass=sa.pool.NullPool) for run in runs]
    with engines[0].connect() as a, engines[1].connect() as b:
        columns = [c['name'] for c in sa.inspect(a).get_columns(table)]
        for x, y in itertools.zip_longest(_ordered(a, table), _ordered(b, table)):
            if x is None or y is None:
                other['(rows)'] += 1
                continue
            for column, u, v in zip(columns, x, y):
                if u != v:
                    own = all(isinstance(t, datetime.datetime) and lo <= t <= hi
                              for t, (lo, hi) in zip((u, v), (run.clock for run in runs)))
                    (clock if own else other)['%s.%s' % (table, column)] += 1
    for engine in engines:
        engine.dispose()
    return clock, other


def row_counts(url, dataset):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        counts = {t.name: conn.execute(sa.text('SELECT COUNT(*) FROM %s' % t.name)).scalar()
                  for t in dataset.tables}
    engine.dispose()
    return counts


# --- one upgrade

def program(service):
    return str(BIN / ('%s-db-manage' % service))


def rejects_online(service, url, tmp):
    """The program's one-line refusal of ``--online``, or None if it takes it.

    Asked against a database that does not exist, so that a program that
    takes the option changes nothing here.
    """
    missing = url.rsplit('/', 1)[0] + '/dbm_bench_absent_%s' % uuid.uuid4().hex[:8]
    conf = conftest.write_config(tmp / 'probe.conf', missing)
    proc = subprocess.run([program(service), '--config-file', str(conf), 'upgrade', 'head',
                           '--online'], capture_output=True, text=True, cwd=tmp)
    last = (proc.stderr.strip().splitlines() or [''])[-1]
    return last if proc.returncode == 2 and '--online' in last else None


def finish(service, tmp):
    """Run the plain upgrade that stopped again, with no writer; its wall time."""
    started = time.monotonic()
    proc = subprocess.run([program(service), '--config-file', str(tmp / 'plain.conf'),
                           'upgrade', 'head'], capture_output=True, text=True, cwd=tmp)
    if proc.returncode != 0:
        raise SystemExit('the plain upgrade did not finish: %s' % proc.stderr.strip()[-500:])
    return round(time.monotonic() - started, 1)


class Run(NamedTuple):
    url: str
    result: dict
    writer: Writer
    clock: tuple        # UTC times around the upgrade, for rows it stamps with the time


def _utc(shift):
    return (datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
            + datetime.timedelta(seconds=shift))


def upgrade(service, url, writer_url, dataset, n, mode, lock_timeout, tmp):
    # "plain" must not take the default online=auto path.
    conf = conftest.write_config(tmp / ('%s.conf' % mode), url, db_manage={
        'online': 'never' if mode == 'plain' else 'always'})
    argv = [program(service), '--config-file', str(conf), '--json', 'upgrade', 'head']
    writer = Writer(writer_url, dataset, n, lock_timeout)
    sampler = Sampler(dict.fromkeys([url, writer_url]))
    writer.start()
    time.sleep(WARM_UP)
    sampler.start()
    started, since = time.monotonic(), _utc(-1)
    proc = subprocess.run(argv + (['--online'] if mode == 'online' else []),
                          capture_output=True, text=True, cwd=tmp)
    ended, until = time.monotonic(), _utc(1)
    writer.stop()
    sampler.stop()
    run = Run(url, {}, writer, (since, until))
    result = run.result
    result.update(wall_s=round(ended - started, 2), **summary(writer, started, ended))
    result['slowest_writes'] = slowest_writes(writer, sampler, started)
    # dbmanage_agent/retry.py logs one line per retried transient error.
    result['retries'] = proc.stderr.count('transient database error')
    # With --json, what else reaches stderr is the run's warnings.
    result['warnings'] = [line for line in proc.stderr.splitlines()
                          if line.strip() and 'transient database error' not in line][:5]
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        out = {}
    if proc.returncode != 0:
        result['error'] = out.get('error') or (
            proc.stderr.strip().splitlines() or ['exit %d' % proc.returncode])[-1]
        result['stopped_at'] = subprocess.run(argv[:3] + ['current'], capture_output=True,
                                              text=True, cwd=tmp).stdout.strip()
        return run
    applied = out['applied']
    online = (out.get('details') or {}).get('online') or {}
    result['online_tables'] = [
        '%s %s %s: %d rows in %.1f s' % (t['revision'], t['what'], t['table'], t['rows_done'],
                                          t['seconds'])
        for t in online.get('tables', [])]
    result['revisions'] = '%s -> %s' % (applied[0]['down_revision'], applied[-1]['revision'])
    result['slowest_revisions'] = [(a['revision'], round(a['duration'], 2)) for a in sorted(
        applied, key=lambda a: -a['duration'])[:3]]
    result['lost_writes'] = lost_writes(url, writer)
    result['rows'] = row_counts(url, dataset)
    return run


# --- the run

def build(server, name, dataset, n, tmp):
    """The dataset's database at its start revision; returns (url, seconds to fill)."""
    url = server.create(name)
    conf = conftest.write_config(tmp / 'build.conf', url)
    proc = subprocess.run([program(dataset.service), '--config-file', str(conf), 'upgrade',
                           dataset.start], capture_output=True, text=True, cwd=tmp)
    if proc.returncode != 0:
        raise SystemExit('upgrade %s failed: %s' % (dataset.start, proc.stderr.strip()[-500:]))
    started = time.perf_counter()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        bigdb.fill(conn, dataset, n)
    engine.dispose()
    return url, time.perf_counter() - started


def compare(base_url, runs):
    """Schema and rows of the upgraded copies, the writer's writes taken out."""
    for run in runs:
        undo_writes(run.url, base_url, run.writer)
    schemas = [schemadump.dumps(run.url) for run in runs]
    rows = [fingerprint(run.url) for run in runs]
    clock, other = collections.Counter(), collections.Counter()
    for table in sorted(set(rows[0]) | set(rows[1])):
        if rows[0].get(table) != rows[1].get(table):
            found = differences(runs, table)
            clock.update(found[0])
            other.update(found[1])
    return {'schema_identical': schemas[0] == schemas[1], 'tables': len(rows[0]),
            'differing_columns': dict(other), 'upgrade_time_columns': sorted(clock)}


def show_verdict(v):
    other = v['differing_columns']
    print('verdict: schema %s; rows %s (%d tables, the writer\'s writes taken out)%s' % (
        'identical' if v['schema_identical'] else 'DIFFERENT',
        'DIFFERENT in ' + ', '.join('%s (%d rows)' % kv for kv in sorted(other.items()))
        if other else 'identical', v['tables'],
        '; %s hold each copy\'s own upgrade time' % ', '.join(v['upgrade_time_columns'])
        if v['upgrade_time_columns'] else ''))


def show(mode, r):
    retries = ', %d retries' % r['retries'] if r['retries'] else ''
    if 'error' in r:
        print('%-7s upgrade FAILED after %.1f s%s, database left at %s: %s' % (
            mode, r['wall_s'], retries, r['stopped_at'], r['error']))
    else:
        print('%-7s upgrade %s in %.1f s%s (slowest revisions: %s)' % (
            mode, r['revisions'], r['wall_s'], retries,
            ', '.join('%s %.1f s' % rev for rev in r['slowest_revisions'])))
    if r['writes']:
        print('%-7s writes during it: %d updates + %d inserts; slowest %.2f s, p99 %.2f s, '
              'p50 %.1f ms (p99 before it: %s ms); failed %d%s' % (
                  '', r['updates'], r['inserts'], r['slowest_s'], r['p99_s'], r['p50_ms'],
                  r['p99_before_ms'], r['failed'],
                  ''.join('; %d x %s' % (c, e) for e, c in r['errors'].items())))
    for w in r.get('slowest_writes', []):
        print('%-7s slow write: %s of %.2f s at +%.1f s%s' % (
            '', w['kind'], w['seconds'], w['at_s'], ' (%s)' % w['error'] if w['error'] else ''))
        for line in w['meanwhile']:
            print('%-7s   meanwhile %s' % ('', line))
    for line in r.get('warnings', []):
        print('%-7s log: %s' % ('', line[:200]))
    for line in r.get('online_tables', []):
        print('%-7s online: %s' % ('', line))
    if 'rows' in r:
        print('%-7s lost writes %d; rows: %s' % ('', r['lost_writes'], ', '.join(
            '%s %d' % kv for kv in r['rows'].items())), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--service', choices=sorted(bigdb.DATASETS), default='mistral')
    parser.add_argument('--backend', choices=('mysql', 'postgresql', 'galera'), default='mysql')
    parser.add_argument('--rows', type=int, default=60000,
                        help='action executions (Mistral) or members (lbaas)')
    parser.add_argument('--mode', choices=('plain', 'online', 'both'), default='plain')
    parser.add_argument('--lock-timeout', type=int, default=10,
                        help="the writer's lock wait timeout, seconds")
    parser.add_argument('--keep', action='store_true', help='keep the databases')
    args = parser.parse_args()
    dataset = bigdb.DATASETS[args.service]
    n = args.rows // dataset.unit * dataset.unit
    if n < dataset.unit:
        parser.error('--rows must be at least %d' % dataset.unit)
    if args.backend == 'galera' and start_galera():
        print('stop the cluster with: %s' % galera_stop_command())
    server = Server(args.backend)
    tag = 'dbm_bench_%s' % uuid.uuid4().hex[:8]
    names = [tag + '_base']
    load = os.getloadavg()[0]
    report = {'service': args.service, 'backend': args.backend, 'rows': n}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        try:
            base_url, fill_s = build(server, names[0], dataset, n, tmp)
            counts = row_counts(base_url, dataset)
            report['build_s'] = round(fill_s, 1)
            print('%s/%s at %s: %s; filled in %.1f s (%.0f rows/s)' % (
                args.service, args.backend, dataset.start,
                ', '.join('%s %d' % kv for kv in counts.items()), fill_s,
                sum(counts.values()) / fill_s), flush=True)
            runs = []
            for mode in ('plain', 'online') if args.mode == 'both' else (args.mode,):
                refusal = mode == 'online' and rejects_online(args.service, base_url, tmp)
                if refusal:
                    print('%-7s skipped: %s-db-manage rejects it (%s)' % (
                        mode, args.service, refusal), flush=True)
                    report[mode] = {'skipped': refusal}
                    continue
                started = time.perf_counter()
                names.append('%s_%s' % (tag, mode))
                url = server.copy(names[0], names[-1])
                server.settle(names[-1])
                copy_s = time.perf_counter() - started
                run = upgrade(args.service, url, server.db_url(names[-1], True), dataset, n,
                              mode, args.lock_timeout, tmp)
                report[mode] = dict(run.result, copy_s=round(copy_s, 1))
                show(mode, run.result)
                if 'error' in run.result and mode == 'plain' and args.mode == 'both':
                    # Finished once the writes stop (as an operator would), the
                    # plain upgrade still gives the online one its comparison.
                    report[mode]['finished_after_s'] = finish(args.service, tmp)
                    print('        finished once the writes stopped, in %.1f s'
                          % report[mode]['finished_after_s'], flush=True)
                    # Rows stamped with the upgrade's time may be as late as this.
                    run = run._replace(clock=(run.clock[0], _utc(1)))
                if 'error' not in run.result or 'finished_after_s' in report[mode]:
                    runs.append(run)
            if args.mode == 'both':
                if len(runs) == 2:
                    report['verdict'] = compare(base_url, runs)
                    show_verdict(report['verdict'])
                else:
                    print('verdict: not compared (only %d mode(s) upgraded)' % len(runs))
        finally:
            if args.keep:
                print('kept: %s' % ', '.join(
                    sa.engine.make_url(server.db_url(name)).render_as_string(hide_password=True)
                    for name in names))
            else:
                for name in names:
                    server.drop(name)
    if args.backend == 'galera':
        print('the Galera cluster is left running; stop it with: %s' % galera_stop_command())
    report['load_average'] = [round(load, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(report, sort_keys=True))
    print('load average (1 min): %.2f at the start, %.2f at the end (2 cores shared)'
          % tuple(report['load_average']))


if __name__ == '__main__':
    main()
