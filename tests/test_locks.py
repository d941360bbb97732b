"""One migration lock for the whole control plane: Galera, Redis, etcd.

The Galera tests share one 3-node cluster (``conftest.galera``); the etcd
tests start a private etcd on a free loopback port.
"""
import collections
import concurrent.futures
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import types
import urllib.request
import uuid

import pytest
import sqlalchemy as sa

from dbmanage import chain as chains
from dbmanage import commands
from dbmanage import errors
from dbmanage import locks
from dbmanage import services
from tests import conftest

GALERA_PORT = conftest.GALERA_PORT
REDIS_URL = os.environ.get('DBMANAGE_TEST_REDIS_URL', 'redis://127.0.0.1:6379')
LEASE = 3
SERVICES = ('mistral', 'lbaas')
galera_group = conftest.galera_group
# Runs that are stopped or killed between revisions replay the chain: a fresh
# install from the baseline is a single step with no "between".
CHAIN_RUN = {'lock_lease': LEASE, 'fresh_install': 'chain'}


def chain(service):
    return [r.revision for r in reversed(chains.load(services.get(service)).ordered)]


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _etcd_server(data, client=None):
    """An etcd on loopback ports (the client port given, or a free one)."""
    client, peer = client or _free_port(), _free_port()
    proc = subprocess.Popen(
        ['etcd', '--name', 'test', '--data-dir', data,
         '--listen-client-urls', 'http://127.0.0.1:%d' % client,
         '--advertise-client-urls', 'http://127.0.0.1:%d' % client,
         '--listen-peer-urls', 'http://127.0.0.1:%d' % peer,
         '--initial-advertise-peer-urls', 'http://127.0.0.1:%d' % peer,
         '--initial-cluster', 'test=http://127.0.0.1:%d' % peer],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(data, 'log'), 'a'))
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen('http://127.0.0.1:%d/version' % client, timeout=1)
            return proc, 'etcd3+http://127.0.0.1:%d?api_version=v3' % client
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, 'etcd did not start'
            time.sleep(0.2)


@pytest.fixture(scope='session')
def etcd():
    """A private etcd on free loopback ports; its etcd3+http URL."""
    data = tempfile.mkdtemp(prefix='dbmanage-etcd-')
    proc, url = _etcd_server(data)
    yield url
    proc.terminate()
    proc.wait(30)
    shutil.rmtree(data, ignore_errors=True)


def _concurrently(cli, service, confs):
    with concurrent.futures.ThreadPoolExecutor(len(confs)) as pool:
        return list(pool.map(
            lambda conf: cli.run(service, '--json', 'upgrade', 'head', conf=conf), confs))


def _assert_converged(service, procs, url):
    """Every run exited 0, each revision was applied once, the schema is upstream's."""
    assert [p.returncode for p in procs] == [0] * len(procs), [p.stderr for p in procs]
    applied = collections.Counter(
        a['revision'] for p in procs for a in json.loads(p.stdout)['applied'])
    assert applied == collections.Counter(chain(service))
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        versions = conn.execute(sa.text('SELECT version_num FROM alembic_version')).all()
    engine.dispose()
    assert [v[0] for v in versions] == [chain(service)[-1]]
    assert conftest.schema_dump(url) == conftest.REFERENCE[service].read_text()


def _lock_waits(procs):
    return sorted(json.loads(p.stdout)['lock_wait'] for p in procs)


@galera_group
@pytest.mark.parametrize('service', SERVICES)
def test_concurrent_upgrades_on_three_galera_nodes(galera, galera_db, cli, service):
    # Replaying the chain (many revisions under the lock), then a fresh
    # install from the baseline (one step, beside the lock's own table).
    for fresh_install in ('chain', 'baseline'):
        name = galera_db()
        confs = [conftest.write_config(cli.tmp_path / ('n%d-%d.conf' % (i, node)),
                                       galera.url(node, name),
                                       db_manage={'lock_lease': LEASE,
                                                  'fresh_install': fresh_install})
                 for i, node in enumerate((1, 2, 3, 1))]
        procs = _concurrently(cli, service, confs)
        _assert_converged(service, procs, galera.synced_url(2, name))
        print('galera lock waits', _lock_waits(procs))
        assert not galera.read(3, "SHOW TABLES FROM %s LIKE 'dbmanage_lock'" % name)


@galera_group
def test_two_agents_and_cli_runs_on_galera(galera, galera_db, cli, tmp_path):
    from tests.test_agent import Agent
    name = galera_db()
    tag = uuid.uuid4().hex[:8]
    started = [Agent(tmp_path, galera.url(node, name), 'mistral', 'dbm_%s_%d' % (tag, node),
                     'dbm_notify_%s' % tag, 'agent-%d' % node).start() for node in (1, 2)]
    try:
        confs = [conftest.write_config(
            tmp_path / ('remote-%d.conf' % node), None,
            DEFAULT={'transport_url': conftest.RABBIT_URL},
            db_manage={'use_agent': 'true', 'topic': 'dbm_%s_%d' % (tag, node),
                       'rpc_connect_timeout': 10}) for node in (1, 2)]
        confs += [conftest.write_config(tmp_path / ('direct-%d.conf' % node),
                                        galera.url(node, name)) for node in (3, 1)]
        procs = _concurrently(cli, 'mistral', confs)
        idle = cli.run('mistral', 'break_lock', conf=confs[0])  # API 1.1 over RPC
        assert (idle.returncode, idle.stdout.strip()) == (0, 'No migration lock is held'), idle
    finally:
        for agent in started:
            agent.stop()
    _assert_converged('mistral', procs, galera.synced_url(3, name))


def _coordinated(cli, make_db, service, backend_url, rounds):
    for _ in range(rounds):
        url = make_db('mysql')
        conf = conftest.write_config(cli.tmp_path / ('%s.conf' % uuid.uuid4().hex[:6]), url,
                                     db_manage=CHAIN_RUN,
                                     coordination={'backend_url': backend_url})
        procs = _concurrently(cli, service, [conf] * 4)
        _assert_converged(service, procs, url)
        print('coordinator lock waits', _lock_waits(procs))


@pytest.mark.parametrize('service', SERVICES)
def test_concurrent_upgrades_through_redis(cli, make_db, service):
    _coordinated(cli, make_db, service, REDIS_URL, 1)


@pytest.mark.parametrize('service', SERVICES)
def test_concurrent_upgrades_through_etcd(cli, make_db, etcd, service):
    _coordinated(cli, make_db, service, etcd, 1)


@pytest.mark.parametrize('url', ('redis://127.0.0.1:%d',
                                 'etcd3+http://127.0.0.1:%d?api_version=v3'))
def test_unreachable_coordinator_fails_fast_and_runs_nothing(cli, make_db, url):
    # The port is picked here, not in the test id: pytest-xdist workers must
    # collect the same ids.
    url = url % _free_port()
    db = make_db('mysql')
    started = time.monotonic()
    proc = cli.run('mistral', 'upgrade', 'head', url=db,
                   db_manage={'connect_timeout': 2}, coordination={'backend_url': url})
    elapsed = time.monotonic() - started
    assert proc.returncode == errors.UNREACHABLE, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        'mistral-db-manage: error: cannot reach the coordinator at %s: ' % url), lines
    assert elapsed < 2 + 5, elapsed  # the timeout plus a cold start on a busy machine
    engine = sa.create_engine(db, poolclass=sa.pool.NullPool)
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()


def _ctx(service, url, **kwargs):
    return commands.Context(service=services.get(service), url=url, host='test-host',
                              **dict(dict(lock_lease=LEASE, lock_timeout=30), **kwargs))


def _kinds(request):
    """(database URL, extra Context args, CLI sections) for a lock kind."""
    if request.param == 'galera':
        galera = request.getfixturevalue('galera')
        name = request.getfixturevalue('galera_db')()
        return galera.url(1, name), {}, {}
    url = request.getfixturevalue('make_db')(
        'postgresql' if request.param == 'advisory' else 'mysql')
    if request.param == 'redis':
        return url, {'coordination_url': REDIS_URL}, {'coordination': {'backend_url': REDIS_URL}}
    if request.param == 'etcd':
        etcd = request.getfixturevalue('etcd')
        return url, {'coordination_url': etcd}, {'coordination': {'backend_url': etcd}}
    return url, {}, {}


@pytest.fixture(params=[pytest.param('galera', marks=galera_group), 'redis', 'etcd',
                        'advisory', 'get_lock'])
def lock_kind(request):
    return (request.param,) + _kinds(request)


def test_current_shows_the_holder_and_break_lock(cli, lock_kind):
    kind, url, extra, sections = lock_kind
    ctx = _ctx('mistral', url, **extra)
    with ctx.database.linked() as link, locks.held(ctx.lock_settings(), link, 'req-holder') as hold:
        code, shown = cli.json('mistral', 'current', url=url, **sections)
        assert code == 0, shown
        holder = shown['lock']
        assert holder is not None
        if kind in ('galera', 'redis', 'etcd', 'advisory'):
            assert (holder['host'], str(holder['pid']), holder['request_id']) == (
                'test-host', str(os.getpid()), 'req-holder')
        text = cli.run('mistral', 'current', '--verbose', url=url, **sections)
        assert 'Migration running: ' in text.stdout, text.stdout
        refused = cli.run('mistral', 'break_lock', url=url, **sections)
        assert refused.returncode == errors.USAGE
        assert '--confirm' in refused.stderr and len(refused.stderr.splitlines()) == 1
        if kind in ('galera', 'redis', 'etcd'):
            assert 'req-holder' in refused.stderr
        broke = cli.run('mistral', 'break_lock', '--confirm', url=url, **sections)
        assert broke.returncode == 0, broke.stderr
        assert 'Broke the migration lock' in broke.stdout
        if kind in ('galera', 'redis', 'etcd'):
            with pytest.raises(errors.LockLost) as lost:
                hold.check('001')
            assert lost.value.exit_code == 7
        started = time.monotonic()
        code, done = cli.json('mistral', 'upgrade', 'head', url=url,
                              db_manage={'lock_timeout': 10}, **sections)
        assert code == 0, done
        print('%s: acquired after break in %.3f s (lock_wait %.4f)'
              % (kind, time.monotonic() - started, done['lock_wait']))
    code, idle = cli.json('mistral', 'current', url=url, **sections)
    assert idle['lock'] is None


@pytest.fixture(params=[pytest.param('galera', marks=galera_group), 'redis', 'etcd'])
def lease_kind(request):
    return (request.param,) + _kinds(request)


def test_killed_holder_is_taken_over_within_the_lease(cli, lease_kind, tmp_path):
    """A holder SIGKILLed mid-upgrade: another run takes over and converges."""
    kind, url, extra, sections = lease_kind
    other = url.replace(':%d/' % (GALERA_PORT + 1), ':%d/' % (GALERA_PORT + 2))
    sections = dict(sections, db_manage=CHAIN_RUN)
    conf = conftest.write_config(tmp_path / 'holder.conf', url, **sections)
    proc = subprocess.Popen([str(conftest.BIN / 'mistral-db-manage'), '--config-file', str(conf),
                             '--debug', 'upgrade', 'head'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = 0
    for line in proc.stderr:
        seen += 'Running upgrade' in line
        if seen == 10:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(30)
    killed = time.monotonic()
    code, result = cli.json('mistral', 'upgrade', 'head', url=other, **sections)
    took_over = time.monotonic() - killed
    assert code == 0, result
    print('%s: takeover %.2f s after the kill (lock_wait %.2f s, lease %d s)'
          % (kind, took_over, result['lock_wait'], LEASE))
    assert result['lock_wait'] <= LEASE + 2
    assert result['revision_after'] == [chain('mistral')[-1]]
    done = chain('mistral')[chain('mistral').index(result['revision_before'][0]) + 1:] \
        if result['revision_before'] else chain('mistral')
    assert [a['revision'] for a in result['applied']] == done
    assert conftest.schema_dump(other) == conftest.REFERENCE['mistral'].read_text()


@galera_group
def test_stopped_galera_node_then_rerun_on_another_node(galera, galera_db, cli, tmp_path):
    name = galera_db()
    conf = conftest.write_config(tmp_path / 'n3.conf', galera.url(3, name),
                                 db_manage=dict(CHAIN_RUN, retry_attempts=2))
    proc = subprocess.Popen([str(conftest.BIN / 'mistral-db-manage'), '--config-file', str(conf),
                             '--debug', 'upgrade', 'head'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = 0
    try:
        for line in proc.stderr:
            seen += 'Running upgrade' in line
            if seen == 10:
                galera.sh('stop-node', '3')
                break
        proc.communicate(timeout=120)
        # Its node gone, the run fails (1), or stops at the fence before the
        # next revision (7) when the lease renewal noticed first.
        assert proc.returncode in (0, errors.FAILED, errors.LOCK_LOST)
        code, result = cli.json('mistral', 'upgrade', 'head', url=galera.url(1, name),
                                db_manage={'lock_lease': LEASE})
        assert code == 0, result
        assert result['lock_wait'] <= LEASE + 2
        assert conftest.schema_dump(galera.synced_url(2, name)) == \
            conftest.REFERENCE['mistral'].read_text()
    finally:
        galera.sh('start-node', '3')


def _redis_server(port):
    proc = subprocess.Popen(['redis-server', '--port', str(port), '--bind', '127.0.0.1',
                             '--save', '', '--appendonly', 'no'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return proc
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, 'redis did not start'
            time.sleep(0.1)


@pytest.mark.parametrize('kind', ('redis', 'etcd'))
def test_a_coordinator_lost_mid_run_stops_it_between_revisions(cli, make_db, tmp_path, kind):
    """The fault: the run's own coordinator is killed while it migrates. The
    run stops at the next fence (tooz's heartbeat, which retries for ever,
    does not keep it waiting), and a rerun finishes the chain."""
    port = _free_port()
    if kind == 'redis':
        def server():
            return _redis_server(port)
        coordination = {'backend_url': 'redis://127.0.0.1:%d' % port}
    else:
        def server():
            return _etcd_server(str(tmp_path), port)[0]
        coordination = {'backend_url': 'etcd3+http://127.0.0.1:%d?api_version=v3' % port}
    coordinator = server()
    url = make_db('mysql')
    try:
        # connect_timeout bounds each call to the coordinator, and its stop.
        conf = conftest.write_config(tmp_path / 'c.conf', url,
                                     db_manage=dict(CHAIN_RUN, connect_timeout=2),
                                     coordination=coordination)
        proc = subprocess.Popen([str(conftest.BIN / 'mistral-db-manage'), '--config-file',
                                 str(conf), '--debug', 'upgrade', 'head'],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen = 0
        for line in proc.stderr:
            seen += 'Running upgrade' in line
            if seen == 3:
                coordinator.kill()
                coordinator.wait()
                break
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == errors.LOCK_LOST, err[-2000:]
        last = err.strip().splitlines()[-1]
        assert 'lost the migration lock' in last, last
        coordinator = server()
        code, result = cli.json('mistral', 'upgrade', 'head', url=url,
                                db_manage=CHAIN_RUN, coordination=coordination)
        assert code == 0, result
        assert result['revision_before'] not in ([], ['045']), result['revision_before']
        assert conftest.schema_dump(url) == conftest.REFERENCE['mistral'].read_text()
    finally:
        coordinator.kill()
        coordinator.wait()


@galera_group
@pytest.mark.parametrize('layout', (
    # this version's table, and an older one's
    'since DATETIME(6) NOT NULL, renewed DATETIME(6) NOT NULL, beat BIGINT NOT NULL, '
    'lease_us BIGINT NOT NULL',
    'since DATETIME(6) NOT NULL, expires DATETIME(6) NOT NULL'), ids=('current', 'older'))
def test_empty_lock_table_of_a_dead_creator_is_taken_after_a_lease(galera, galera_db, cli,
                                                                   layout):
    name = galera_db()
    galera.admin(1, 'CREATE TABLE %s.dbmanage_lock (id TINYINT NOT NULL PRIMARY KEY, '
                    'token CHAR(32) NOT NULL, holder TEXT NOT NULL, %s)' % (name, layout))
    code, result = cli.json('mistral', 'upgrade', '+1', url=galera.url(2, name),
                            db_manage={'lock_lease': LEASE})
    assert code == 0, result
    assert LEASE - 0.5 <= result['lock_wait'] <= LEASE + 2
    assert not galera.read(3, "SHOW TABLES FROM %s LIKE 'dbmanage_lock'" % name)


def test_a_run_whose_lock_is_broken_stops_between_revisions(cli, lease_kind, tmp_path):
    """Exit 7 with one line, the database at a recorded revision; a rerun finishes.
    The chain is replayed: an empty database would take the baseline in one step."""
    kind, url, extra, sections = lease_kind
    conf = conftest.write_config(tmp_path / 'run.conf', url, db_manage=CHAIN_RUN, **sections)
    proc = subprocess.Popen([str(conftest.BIN / 'mistral-db-manage'), '--config-file', str(conf),
                             '--debug', 'upgrade', 'head'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = 0
    for line in proc.stderr:
        seen += 'Running upgrade' in line
        if seen == 3:
            ctx = _ctx('mistral', url, **extra)
            with ctx.database.linked() as link:
                locks.break_(ctx.lock_settings(), link, locks.holder(ctx.lock_settings(), link))
            break
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == errors.LOCK_LOST, err[-2000:]
    last = err.strip().splitlines()[-1]
    assert last.startswith('mistral-db-manage: error: lost the migration lock'), last
    code, result = cli.json('mistral', 'upgrade', 'head', url=url, **sections)
    assert code == 0, result
    assert result['revision_before'] and result['applied']
    assert conftest.schema_dump(url) == conftest.REFERENCE['mistral'].read_text()


# -- a writer on another node --------------------------------------------------

def _member_rows(galera, name, count):
    """A pool of ``count`` members, their provisioning status still unset."""
    galera.admin(1, "INSERT INTO %s.pool (id, protocol, lb_algorithm, operating_status, "
                    "enabled) VALUES ('p1', 'HTTP', 'ROUND_ROBIN', 'ONLINE', 1)" % name)
    galera.admin(1, "INSERT INTO %s.member (id, pool_id, ip_address, protocol_port, "
                    "operating_status, enabled) SELECT CONCAT('m', LPAD(seq, 6, '0')), 'p1', "
                    "CONCAT('10.0.', seq DIV 250, '.', seq MOD 250), 80, 'ONLINE', 1 "
                    "FROM seq_1_to_%d" % (name, count))


class _Writer(threading.Thread):
    """Updates the first member, one autocommitted write after the other, on
    node 2: every write that commits while node 1's UPDATE of all members is
    open makes that UPDATE lose (error 1213)."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.stopping = threading.Event()
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool,
                                       isolation_level='AUTOCOMMIT')
        self.writes = 0

    def run(self):
        with self.engine.connect() as conn:
            while not self.stopping.is_set():
                try:
                    # Only a write that changed the row (replicated to node
                    # 2 by now) conflicts with node 1's UPDATE.
                    self.writes += conn.execute(sa.text(
                        "UPDATE member SET operating_status = IF(operating_status = 'ONLINE', "
                        "'OFFLINE', 'ONLINE') WHERE id = 'm000001'")).rowcount
                except sa.exc.DBAPIError:   # lost to the upgrade's UPDATE: write again
                    pass

    def writing(self, writes=50, timeout=30):
        """Wait until ``writes`` writes went through: a run started sooner
        may be past its UPDATE before the first one."""
        deadline = time.monotonic() + timeout
        while self.writes < writes:
            assert self.is_alive() and time.monotonic() < deadline, self.writes
            time.sleep(0.01)

    def stop(self):
        self.stopping.set()
        self.join(30)
        self.engine.dispose()


@galera_group
def test_a_resumed_revision_that_loses_to_another_node_is_retried(galera, galera_db, cli,
                                                                  tmp_path):
    """034b2dc2f3e0 fills member.provisioning_status with one UPDATE on node 1
    while a writer on node 2 keeps writing a member: the UPDATE loses, the
    retry resumes the revision from its journal, and loses again. That second
    deadlock is retried like the first (the resume's checks must not take the
    run's errors out of the retry policy); once the writer stops, the third
    attempt finishes."""
    name = galera_db()
    conf = conftest.write_config(tmp_path / 'run.conf', galera.url(1, name),
                                 db_manage=dict(CHAIN_RUN, retry_attempts=4))
    code, result = cli.json('lbaas', 'upgrade', 'fac584114642', conf=conf)
    assert code == 0, result
    _member_rows(galera, name, 3000)
    writer = _Writer(galera.url(2, name))
    writer.start()
    lines = []
    try:
        writer.writing()
        proc = subprocess.Popen([str(conftest.BIN / 'lbaas-db-manage'), '--config-file',
                                 str(conf), '--json', 'upgrade', 'head'],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for line in proc.stderr:
            lines.append(line)
            if 'transient database error (attempt 2)' in line:
                break
    finally:
        writer.stop()
    out, err = proc.communicate(timeout=120)
    err = ''.join(lines) + err
    assert proc.returncode == 0, err[-3000:]
    assert 'resuming revision 034b2dc2f3e0' in err and '(attempt 2)' in err, err
    result = json.loads(out)
    assert result['resumed']['revision'] == '034b2dc2f3e0', result
    assert result['revision_after'] == [chain('lbaas')[-1]]
    assert writer.writes > 0
    assert galera.read(2, "SELECT provisioning_status, COUNT(*) FROM %s.member "
                          "GROUP BY provisioning_status" % name) == [('ACTIVE', 3000)]


# -- a statement that outlasts the lease, a paused holder, skewed clocks ------

LONG_REVISION = '''"""A long table copy, then more statements."""
from alembic import op
import sqlalchemy as sa

revision = '046'
down_revision = '045'


def upgrade():
    op.alter_column('dbm_big', 'n', type_=sa.BigInteger, existing_type=sa.Integer,
                    existing_nullable=False)
    op.create_table('dbm_after', sa.Column('id', sa.Integer, primary_key=True),
                    sa.Column('note', sa.String(20)))
    op.execute("INSERT INTO dbm_after (id, note) VALUES (1, 'once')")
    op.create_index('dbm_after_note', 'dbm_after', ['note'])
'''
BIG_ROWS = 600000   # a copy that takes several leases of 1 s on the test cluster


def _long_revision_db(galera, galera_db, cli, chain_copy):
    """A Mistral database at 045 on the cluster, a big table, and revision
    046 (a long copying ALTER of it, then three more statements) in a
    private copy of the chain. Returns (database name, env)."""
    name = galera_db()
    package, env = chain_copy
    code, result = cli.json('mistral', 'upgrade', 'head', url=galera.url(1, name), env=env)
    assert code == 0, result
    galera.admin(1, 'CREATE TABLE %s.dbm_big (id INT NOT NULL PRIMARY KEY, n INT NOT NULL, '
                    'pad VARCHAR(100) NOT NULL)' % name)
    galera.admin(1, "INSERT INTO %s.dbm_big SELECT seq, seq, REPEAT('x', 100) "
                    'FROM seq_1_to_%d' % (name, BIG_ROWS))
    (package / 'mistral' / 'versions' / '046_long_copy.py').write_text(LONG_REVISION)
    return name, env


def _start(conf, env):
    return subprocess.Popen([str(conftest.BIN / 'mistral-db-manage'), '--config-file',
                             str(conf), '--json', 'upgrade', 'head'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **env})


def _finish(proc, timeout=300):
    """The finished run: returncode, stdout and stderr."""
    out, err = proc.communicate(timeout=timeout)
    return types.SimpleNamespace(returncode=proc.returncode, stdout=out, stderr=err)


def _wait_for_statement(galera, name, prefix, proc, timeout=60):
    """Block until node 1 runs a statement of database ``name`` starting
    with ``prefix``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if galera.admin(1, "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '%s' "
                           "AND INFO LIKE '%s%%'" % (name, prefix)):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError('%s never ran' % prefix)


def _assert_046_once(galera, name, procs):
    applied = [a['revision'] for p in procs if p.stdout for a in json.loads(p.stdout)['applied']]
    assert applied.count('046') == 1, applied
    assert galera.read(2, 'SELECT id, note FROM %s.dbm_after' % name) == [(1, 'once')]
    assert galera.read(2, "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE "
                          "TABLE_SCHEMA = '%s' AND TABLE_NAME = 'dbm_big' AND COLUMN_NAME = 'n'"
                          % name)[0][0] == 'bigint'
    assert galera.read(2, 'SELECT version_num FROM %s.alembic_version' % name) == [('046',)]


def _b_waits_for_a(galera, galera_db, cli, chain_copy, tmp_path, online, statement):
    """Run A on node 1 is inside ``statement`` of revision 046 (``online``
    as given), which lasts several leases, when run B starts on node 2. B
    must not take the lock over: both succeed, B finds nothing left to do,
    and no statement runs twice. Returns A's result."""
    name, env = _long_revision_db(galera, galera_db, cli, chain_copy)
    lease = {'lock_lease': 1, 'fresh_install': 'chain', 'online': online}
    a = _start(conftest.write_config(tmp_path / 'a.conf', galera.url(1, name),
                                     db_manage=lease), env)
    _wait_for_statement(galera, name, statement, a)
    b = _start(conftest.write_config(tmp_path / 'b.conf', galera.url(2, name),
                                     db_manage=lease), env)
    a, b = _finish(a), _finish(b)
    assert (a.returncode, b.returncode) == (0, 0), (a.stderr, b.stderr)
    assert 'took over' not in b.stderr and 'resuming' not in b.stderr + a.stderr, b.stderr
    assert json.loads(b.stdout)['applied'] == []
    _assert_046_once(galera, name, (a, b))
    return json.loads(a.stdout)


@galera_group
def test_a_statement_longer_than_the_lease_keeps_the_lock(galera, galera_db, cli, chain_copy,
                                                          tmp_path):
    """A table copy in one statement, in total order, during which A's
    heartbeat cannot commit (online = never keeps it one statement)."""
    _b_waits_for_a(galera, galera_db, cli, chain_copy, tmp_path, 'never', 'ALTER TABLE dbm_big')


@galera_group
def test_an_online_copy_longer_than_the_lease_keeps_the_lock(galera, galera_db, cli, chain_copy,
                                                             tmp_path):
    """The same change online: a shadow copy in batches, each fenced by the
    lock's heartbeat."""
    result = _b_waits_for_a(galera, galera_db, cli, chain_copy, tmp_path, 'always',
                            'INSERT IGNORE INTO `_dbm_new_dbm_big`')
    copies = [t for t in result['details']['online']['tables'] if t['table'] == 'dbm_big']
    assert [(t['what'], t['rows_done']) for t in copies] == [('copy', BIG_ROWS)]


def _on_node_1_alone(galera, *statements):
    """Run ``statements`` on node 1 alone, not replicated (a user there only
    is one the others refuse)."""
    engine = sa.create_engine(galera.url(1, 'mysql'), poolclass=sa.pool.NullPool,
                              isolation_level='AUTOCOMMIT')
    with engine.connect() as conn:
        conn.exec_driver_sql("SET SESSION wsrep_OSU_method = 'RSU'")
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


@galera_group
def test_plan_on_galera_says_which_copies_need_every_node(galera, galera_db, cli):
    """Online on Galera, Mistral's large tables, all joined to others by
    foreign keys, change through shadow copies whose triggers are made on each
    node, while a data step runs in batches. A run that cannot reach every
    node (here a user that exists on node 1 alone), or whose user may not
    write outside replication, makes no copy: plan says those statements run
    as they are, in total order, and why."""
    from bench import bigdb
    name = galera_db()
    url = galera.url(1, name)
    code, result = cli.json('mistral', 'upgrade', '021', url=url)
    assert code == 0, result
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        bigdb.fill(conn, bigdb.MISTRAL, 40)
    engine.dispose()
    copies = (('024', 'create_index', 'task_executions_v2'),
              ('041', 'alter_column', 'workflow_executions_v2'))

    def plan(url):
        code, result = cli.json('mistral', 'plan', url=url, db_manage={'online': 'always'})
        plan = result['details']['plan']
        return code, plan, {(r['revision'], op['kind'], op['table']): op['online']
                            for r in plan['revisions'] for op in r['operations']}
    code, _, found = plan(url)
    assert found[('022', 'add_column', 'action_executions_v2')]['way'] == 'ALGORITHM=INSTANT'
    assert found[('022', 'execute', 'action_executions_v2')]['way'] == 'batches'
    for key in copies:
        assert (found[key]['way'], found[key]['blocks']) == ('shadow copy', False), found[key]
    assert code == 0, found
    user = 'dbm_one_%s' % name[-6:]
    _on_node_1_alone(galera, "CREATE USER %s@'127.0.0.1' IDENTIFIED BY 'node1only'" % user,
                     "GRANT ALL ON %s.* TO %s@'127.0.0.1'" % (name, user),
                     "GRANT SUPER ON *.* TO %s@'127.0.0.1'" % user)
    try:
        code, plan_, found = plan(conftest.login_url(url, user, 'node1only'))
    finally:
        _on_node_1_alone(galera, "DROP USER %s@'127.0.0.1'" % user)
    for key in copies:
        assert (found[key]['way'], found[key]['blocks']) == ('as is', True), found[key]
        # Nodes 2 and 3 in the order the cluster lists them.
        assert re.search(r'triggers are made on each node, and cannot connect to the node at '
                         r'127\.0\.0\.1:(%d|%d): ' % (GALERA_PORT + 2, GALERA_PORT + 3),
                         found[key]['why']), found[key]
        assert 'node1only' not in json.dumps(found[key])
    # Exit 8: writes will wait (docs/operations.md, "Plan").
    assert code == 8 and ('041', 'workflow_executions_v2') in [
        (b['revision'], b['table']) for b in plan_['blocking']]
    # A user on every node, without the privilege to write outside replication.
    user = 'dbm_all_%s' % name[-6:]
    galera.admin(1, "CREATE USER %s@'127.0.0.1' IDENTIFIED BY 'nosuper'" % user)
    galera.admin(1, "GRANT ALL ON %s.* TO %s@'127.0.0.1'" % (name, user))
    try:
        code, _, found = plan(conftest.login_url(url, user, 'nosuper'))
    finally:
        galera.admin(1, "DROP USER %s@'127.0.0.1'" % user)
    for key in copies:
        assert (found[key]['way'], found[key]['blocks']) == ('as is', True), found[key]
        assert 'outside replication to this user (it needs the SUPER privilege)' in \
            found[key]['why'], found[key]
    assert code == 8


@galera_group
def test_joined_tables_change_online_on_galera_through_copies(galera, galera_db):
    """lbaas's member table gets a foreign key on a new column (9b5473976d6d),
    then the key is dropped and added again around a NOT NULL change
    (034b2dc2f3e0), and health_monitor changes its primary key (fac584114642).
    Both are joined to other tables by foreign keys; on Galera their shadow
    copies' triggers are made on each node outside replication, and the end
    is the plain upgrade's, with no trigger left on any node."""
    from bench import bigdb
    from dbmanage.migrate import online
    from tests import faults
    from tests import inprocess
    names = [galera_db() for _ in range(2)]
    urls = [galera.url(1, name) for name in names]
    for url in urls:
        inprocess.filled(bigdb.LBAAS, url, 40, '82b9402e71fd')
    plain, online_url = urls
    inprocess.run('lbaas', plain, 'upgrade', revision='034b2dc2f3e0')
    ctx = inprocess.context('lbaas', online_url, online=online.Settings(mode='always', batch=7))
    result = inprocess.commands.execute(ctx, 'upgrade', {'revision': '034b2dc2f3e0'})
    ctx.database.dispose()
    assert result.ok, result.error
    copied = {t['table'] for t in result.details['online']['tables'] if t['what'] == 'copy'}
    assert {'member', 'health_monitor'} <= copied, copied
    assert faults.fingerprint(online_url) == faults.fingerprint(plain)
    for node in (1, 2, 3):
        assert galera.read(node, "SELECT trigger_name FROM information_schema.triggers "
                                 "WHERE trigger_schema = '%s'" % names[1]) == []


class _ChildWriter(threading.Thread):
    """Updates rows of ``table`` on another node, back to back, until
    stopped; with ``inserts``, adds new rows instead (``id, n``)."""

    def __init__(self, url, table, ids, inserts=False):
        super().__init__(daemon=True)
        self.url, self.table, self.ids, self.inserts = url, table, ids, inserts
        self.stopped, self.writes, self.errors = threading.Event(), 0, []

    def run(self):
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool,
                                  isolation_level='AUTOCOMMIT')
        try:
            with engine.connect() as conn:
                while not self.stopped.is_set():
                    try:
                        if self.inserts:
                            conn.execute(sa.text('INSERT INTO %s (id, n) VALUES (:id, 0)'
                                                 % self.table), {'id': 10 ** 6 + self.writes})
                        else:
                            conn.execute(sa.text('UPDATE %s SET state_info = :n WHERE id = :id'
                                                 % self.table),
                                         {'n': str(self.writes),
                                          'id': self.ids[self.writes % len(self.ids)]})
                    except sa.exc.DBAPIError as exc:  # a certification failure: go on
                        self.errors.append(str(exc.orig))
                        if exc.connection_invalidated:
                            break
                    self.writes += 1
        except Exception as exc:
            self.errors.append(repr(exc))
        finally:
            engine.dispose()

    def wait_for(self, writes, timeout=30):
        """Until the writer has made ``writes`` writes; fail with its errors
        if it stops or stalls first."""
        deadline = time.monotonic() + timeout
        while self.writes < writes:
            if not self.is_alive() or time.monotonic() > deadline:
                pytest.fail('the writer on %s made %d writes, then %s: %s' % (
                    self.table, self.writes, 'stopped' if not self.is_alive() else 'stalled',
                    self.errors[-3:]))
            time.sleep(0.05)


@galera_group
def test_an_index_on_a_referenced_table_while_another_node_writes_its_child(
        galera, galera_db, cli):
    """Total order keeps an ALTER TABLE apart from replicated writes to the
    tables whose keys reference the altered one, but not a CREATE INDEX: node
    1's CREATE INDEX then waits for a table lock on the child that node 1's
    applier holds, while the applier waits in commit order behind the CREATE
    INDEX, and the cluster stops for good. The same plain upgrade must finish."""
    from bench import bigdb
    name = galera_db()
    url = galera.url(1, name)
    code, result = cli.json('mistral', 'upgrade', '023', url=url)
    assert code == 0, result
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        bigdb.fill(conn, bigdb.MISTRAL, 400)
        ids = [r[0] for r in conn.execute(sa.text(
            'SELECT id FROM action_executions_v2 LIMIT 50'))]
    engine.dispose()
    writer = _ChildWriter(galera.url(2, name), 'action_executions_v2', ids)
    writer.start()
    try:
        writer.wait_for(20)
        proc = cli.run('mistral', '--json', 'upgrade', '026', url=url, timeout=60,
                       db_manage={'online': 'never'})
    except subprocess.TimeoutExpired:
        # The cluster no longer moves, and its nodes refuse to kill the
        # statement: only restarting them brings it back for the next tests.
        galera.sh('stop')
        galera.sh('start')
        pytest.fail('the upgrade stalled the cluster')
    finally:
        writer.stopped.set()
        writer.join(30)
    assert proc.returncode == 0, proc.stderr
    assert [a['revision'] for a in json.loads(proc.stdout)['applied']] == ['024', '025', '026']
    assert writer.writes > 20


@galera_group
@pytest.mark.parametrize('copied, writes', [('p', 'cg'), ('c', 'pg'), ('c', 'P')])
def test_a_change_to_a_joined_table_while_another_node_writes_its_neighbours(
        galera, galera_db, copied, writes):
    """Total order keys a statement by the tables it names (an ALTER TABLE
    also by the tables its foreign keys reference), but a RENAME TABLE or a
    CREATE TRIGGER on a table joined to others by foreign keys also waits for
    locks on those: node 1's statement then waits for a lock that node 1's
    applier holds for node 2's write to one of them, while the applier waits
    behind the statement, and the cluster stops for good. Changes online to
    one of p, c (references p) and g (references c) while node 2 updates the
    other two, or inserts into p (``P``): each must go through a shadow copy,
    and the writes with it."""
    from dbmanage import dialects
    from dbmanage.db import retry
    from dbmanage.migrate import online
    name = galera_db()
    engine = sa.create_engine(galera.url(1, name), poolclass=sa.pool.NullPool)
    retry.classify_errors(engine)   # as a run's engine does: a lost batch is a DBDeadlock
    with engine.connect() as conn:
        for sql in ('CREATE TABLE p (id INT NOT NULL PRIMARY KEY, n INT NOT NULL, '
                    'state_info TEXT)',
                    'CREATE TABLE c (id INT NOT NULL PRIMARY KEY, p_id INT, n INT NOT NULL, '
                    'state_info TEXT, FOREIGN KEY (p_id) REFERENCES p (id))',
                    'CREATE TABLE g (id INT NOT NULL PRIMARY KEY, c_id INT, state_info TEXT, '
                    'FOREIGN KEY (c_id) REFERENCES c (id))',
                    'INSERT INTO p SELECT seq, seq, NULL FROM seq_1_to_2000',
                    'INSERT INTO c SELECT seq, seq, seq, NULL FROM seq_1_to_2000',
                    'INSERT INTO g SELECT seq, seq, NULL FROM seq_1_to_2000'):
            conn.exec_driver_sql(sql)
        conn.commit()
    writers = [_ChildWriter(galera.url(2, name), table.lower(), list(range(1, 51)),
                            inserts=table.isupper()) for table in writes]
    for writer in writers:
        writer.start()
    done, failed, runs = threading.Event(), [], []

    def upgrade():
        try:
            with engine.connect() as conn:
                run = online.Online(conn, dialects.of(conn), online.Settings(mode='always'))
                runs.append(run)
                # Three swaps: a lucky moment does not let one through.
                for kind in ('BIGINT', 'INT', 'BIGINT'):
                    dialects.of(conn).online.alter(
                        run, 'ALTER TABLE %s MODIFY n %s NOT NULL' % (copied, kind),
                        conn.exec_driver_sql, lambda what: None)
                    conn.commit()
        except Exception as exc:
            failed.append(exc)
        done.set()
    try:
        for writer in writers:
            writer.wait_for(20)
        before = [writer.writes for writer in writers]
        threading.Thread(target=upgrade, daemon=True).start()
        if not done.wait(90):
            galera.sh('stop')
            galera.sh('start')
            pytest.fail('the change stalled the cluster')
        time.sleep(0.5)
    finally:
        for writer in writers:
            writer.stopped.set()
            writer.join(30)
    engine.dispose()
    assert failed == []
    assert [(t['table'], t['what']) for t in runs[0].summary] == [(copied, 'copy')] * 3
    assert [writer.writes > count + 10 for writer, count in zip(writers, before)] == \
        [True] * len(writers)
    assert galera.admin(1, "SELECT data_type FROM information_schema.columns WHERE "
                           "table_schema = '%s' AND table_name = '%s' AND column_name = 'n'"
                        % (name, copied))[0][0] == 'bigint'


def _parent_and_child(galera, name, rows):
    """Tables p and c (whose rows reference p's), ``rows`` each; an engine on node 1."""
    from dbmanage.db import retry
    engine = sa.create_engine(galera.url(1, name), poolclass=sa.pool.NullPool)
    retry.classify_errors(engine)   # as a run's engine does
    with engine.connect() as conn:
        for sql in ('CREATE TABLE p (id INT NOT NULL PRIMARY KEY, n INT NOT NULL)',
                    'CREATE TABLE c (id INT NOT NULL PRIMARY KEY, p_id INT, n INT NOT NULL, '
                    'FOREIGN KEY (p_id) REFERENCES p (id))',
                    'INSERT INTO p SELECT seq, seq FROM seq_1_to_%d' % rows,
                    'INSERT INTO c SELECT seq, seq, seq FROM seq_1_to_%d' % rows):
            conn.exec_driver_sql(sql)
        conn.commit()
    return engine


def _triggers_by_node(galera, name, nodes=(1, 2, 3)):
    return {node: sorted(r[0] for r in galera.read(
        node, "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = "
              "'%s'" % name)) for node in nodes}


def _alter_c(engine, fence, batch=1000):
    """Change c online on node 1, as a run does; ``fence(what)`` before each step."""
    from dbmanage import dialects
    from dbmanage.migrate import online
    with engine.connect() as conn:
        run = online.Online(conn, dialects.of(conn), online.Settings(mode='always', batch=batch))
        dialects.of(conn).online.alter(run, 'ALTER TABLE c MODIFY n BIGINT NOT NULL',
                                       conn.exec_driver_sql, fence)
        conn.commit()
        return run.summary


def _tidy(engine):
    from dbmanage import dialects
    with engine.connect() as conn:
        dialects.of(conn).online.tidy(conn)


def _assert_c_copied(galera, name, summary):
    """c changed through a shadow copy, with no trigger or copy left anywhere."""
    assert [(t['table'], t['what']) for t in summary] == [('c', 'copy')]
    assert galera.read(3, "SELECT data_type FROM information_schema.columns WHERE "
                          "table_schema = '%s' AND table_name = 'c' AND column_name = 'n'"
                       % name) == [('bigint',)]
    assert _triggers_by_node(galera, name) == {1: [], 2: [], 3: []}
    assert galera.read(3, "SHOW TABLES FROM %s LIKE '\\_dbm%%'" % name) == []


def _fence_at(step, count, act):
    """A fence that calls ``act()`` at the ``count``-th step starting with ``step``."""
    seen = []

    def fence(what):
        if what.startswith(step):
            seen.append(what)
            if len(seen) == count:
                act()
    return fence


def _alter_c_meanwhile(engine, step, now, later, seconds):
    """Change c, calling ``now()`` at the first step starting with ``step``
    and ``later()`` ``seconds`` after, while the run goes on."""
    timer = threading.Timer(seconds, later)

    def start():
        now()
        timer.start()
    try:
        summary = _alter_c(engine, _fence_at(step, 1, start))
        timer.join()
        return summary
    finally:
        timer.cancel()


def _alter_c_killed_at(engine, step, count):
    """The run dies at the ``count``-th step starting with ``step``."""
    def kill():
        raise KeyboardInterrupt('killed')
    with pytest.raises(KeyboardInterrupt):
        _alter_c(engine, _fence_at(step, count, kill))


def _write_c_on(galera, name, node, row):
    galera.admin(node, 'UPDATE %s.c SET n = n + 1 WHERE id = %d' % (name, row))


_HOT_WRITER = """
import sys, sqlalchemy as sa
conn = sa.create_engine(sys.argv[1], isolation_level='AUTOCOMMIT').connect()
for n in range(10 ** 9):
    try:
        conn.exec_driver_sql('UPDATE c SET n = n + 1 WHERE id = %d' % (1 + n % 5))
    except sa.exc.DBAPIError:   # a certification failure: go on
        pass
"""


@galera_group
def test_a_copy_gets_past_rows_another_node_keeps_writing(galera, galera_db):
    """A process on node 2 updates the first five rows of c back to back: a
    copy batch that takes those rows loses to each update that commits
    before it does (a certification failure on node 1). Each lost batch runs
    again over half as many rows, so one small enough to go through between
    two updates comes, and the copy ends."""
    name = galera_db()
    engine = _parent_and_child(galera, name, 3000)
    writer = subprocess.Popen([conftest.sys.executable, '-c', _HOT_WRITER,
                               galera.url(2, name)])
    try:
        time.sleep(1)
        _assert_c_copied(galera, name, _alter_c(engine, lambda what: None, batch=2000))
    finally:
        writer.kill()
        writer.wait()
    engine.dispose()
    assert galera.read(2, 'SELECT COUNT(*), SUM(n) > 3000 * 3001 / 2 FROM %s.c' % name) \
        == [(3000, 1)]


@galera_group
def test_a_run_killed_between_two_nodes_triggers_is_tidied_on_every_node(galera, galera_db):
    """The run dies after one node has the copy's three triggers and another one:
    every node still takes writes (their triggers write into the copy), and
    the next run's tidy drops the triggers on each node, then the copy; the
    change then goes through."""
    name = galera_db()
    engine = _parent_and_child(galera, name, 3000)
    _alter_c_killed_at(engine, 'statement: CREATE TRIGGER', 5)
    triggers = _triggers_by_node(galera, name)
    # Nodes in the order the cluster lists them.
    assert sorted(len(found) for found in triggers.values()) == [0, 1, 3], triggers
    for node in (1, 2, 3):
        _write_c_on(galera, name, node, node)
    # A run that reaches node 1 alone leaves the triggers (and the copy) as they are.
    user = 'dbm_one_%s' % name[-6:]
    _on_node_1_alone(galera, "CREATE USER %s@'127.0.0.1'" % user,
                     "GRANT ALL ON %s.* TO %s@'127.0.0.1'" % (name, user),
                     "GRANT SUPER ON *.* TO %s@'127.0.0.1'" % user)
    try:
        alone = sa.create_engine(galera.url(1, name).replace('root@', user + '@'),
                                 poolclass=sa.pool.NullPool)
        with pytest.raises(errors.Unreachable, match='cannot connect to the node at '):
            _tidy(alone)
        alone.dispose()
    finally:
        _on_node_1_alone(galera, "DROP USER %s@'127.0.0.1'" % user)
    assert _triggers_by_node(galera, name) == triggers
    _tidy(engine)
    assert _triggers_by_node(galera, name) == {1: [], 2: [], 3: []}
    assert galera.read(2, "SHOW TABLES FROM %s LIKE '\\_dbm%%'" % name) == []
    _assert_c_copied(galera, name, _alter_c(engine, lambda what: None))
    engine.dispose()


@galera_group
def test_the_old_table_goes_without_aborting_a_writer_of_its_parent_on_another_node(
        galera, galera_db):
    """After the swap the old c still references p, and dropping it locks p.
    In total order that lock aborts a transaction writing p on node 2 (its
    commit fails); each node dropping its own outside replication waits until
    p is free, and the writer commits."""
    name = galera_db()
    engine = _parent_and_child(galera, name, 3000)
    writer = sa.create_engine(galera.url(2, name), poolclass=sa.pool.NullPool).connect()
    committed = []

    def commit_later():
        try:
            writer.commit()
            committed.append('ok')
        except Exception as exc:
            committed.append(str(exc).splitlines()[0])
    try:
        summary = _alter_c_meanwhile(engine, 'dropping the old', lambda: writer.exec_driver_sql(
            'UPDATE p SET n = n + 1 WHERE id = 1'), commit_later, 1.0)
    finally:
        writer.close()
    assert committed == ['ok']
    _assert_c_copied(galera, name, summary)
    engine.dispose()


@galera_group
def test_the_old_table_goes_from_a_node_that_applies_the_swap_late(galera, galera_db):
    """The swap returns on the run's node before node 2 has applied it (its
    applier is held here by a global read lock for 1.5 s): node 2 must still
    drop the old table, and its triggers with it."""
    name = galera_db()
    engine = _parent_and_child(galera, name, 3000)
    held = sa.create_engine(galera.url(2, 'mysql'), poolclass=sa.pool.NullPool,
                            isolation_level='AUTOCOMMIT').connect()
    try:
        summary = _alter_c_meanwhile(
            engine, 'statement: RENAME TABLE',
            lambda: held.exec_driver_sql('FLUSH TABLES WITH READ LOCK'),
            lambda: held.exec_driver_sql('UNLOCK TABLES'), 1.5)
    finally:
        held.close()
    _assert_c_copied(galera, name, summary)
    for node in (1, 2):
        assert galera.read(node, "SHOW TABLES FROM %s LIKE '\\_dbm%%'" % name) == [], node
    engine.dispose()


@galera_group
def test_a_node_held_past_the_causal_read_timeout_stops_the_run_until_it_catches_up(
        galera, galera_db):
    """Node 2's applier is held (as a backup holds it) for longer than it may
    take to apply the swap (``repl.causal_read_timeout``, 1 s here): the run
    stops (exit 4) naming the node, rather than leave node 2 an old table that
    the next copy of c could not make there. Once node 2 has caught up, tidy
    drops it and c is as changed."""
    name = galera_db()
    engine = _parent_and_child(galera, name, 3000)
    held = sa.create_engine(galera.url(2, 'mysql'), poolclass=sa.pool.NullPool,
                            isolation_level='AUTOCOMMIT').connect()
    timeout = re.search(r'repl.causal_read_timeout = (\w+)', held.exec_driver_sql(
        'SELECT @@global.wsrep_provider_options').scalar()).group(1)
    held.exec_driver_sql("SET GLOBAL wsrep_provider_options = 'repl.causal_read_timeout=PT1S'")
    try:
        with pytest.raises(errors.Unreachable) as raised:
            _alter_c_meanwhile(
                engine, 'statement: RENAME TABLE',
                lambda: held.exec_driver_sql('FLUSH TABLES WITH READ LOCK'),
                lambda: held.exec_driver_sql('UNLOCK TABLES'), 3.0)
    finally:
        held.exec_driver_sql('UNLOCK TABLES')
        held.exec_driver_sql("SET GLOBAL wsrep_provider_options = 'repl.causal_read_timeout=%s'"
                             % timeout)
        held.close()
    assert raised.value.exit_code == 4
    assert raised.value.message.startswith(
        'the node at 127.0.0.1:%d has not applied what the cluster committed (' %
        sa.engine.make_url(galera.url(2, name)).port), raised.value.message
    assert galera.read(2, "SHOW TABLES FROM %s LIKE '\\_dbm%%'" % name) == [('_dbm_old_c',)]
    _tidy(engine)
    for node in (1, 2, 3):
        assert galera.read(node, "SHOW TABLES FROM %s LIKE '\\_dbm%%'" % name) == [], node
    assert _triggers_by_node(galera, name) == {1: [], 2: [], 3: []}
    engine.dispose()


@galera_group
def test_an_old_table_a_run_left_on_some_nodes_is_tidied_from_any_node(galera, galera_db):
    """Each node drops the old table on its own, the run's node last. A run
    killed after the first one did leaves it on the two others; the next
    run, on the node that has none, finds and drops them."""
    name = galera_db()
    engine = _parent_and_child(galera, name, 3000)
    _alter_c_killed_at(engine, 'statement: DROP TABLE `_dbm_old_c`', 2)
    engine.dispose()
    old = {node: galera.read(node, "SHOW TABLES FROM %s LIKE '\\_dbm%%'" % name)
           for node in (1, 2, 3)}
    done = [node for node, tables in old.items() if not tables]
    assert len(done) == 1 and done != [1], old
    _tidy(sa.create_engine(galera.url(done[0], name), poolclass=sa.pool.NullPool))
    for node in (1, 2, 3):
        assert galera.read(node, "SHOW TABLES FROM %s LIKE '\\_dbm%%'" % name) == [], node
    assert galera.read(3, "SELECT data_type FROM information_schema.columns WHERE "
                          "table_schema = '%s' AND table_name = 'c' AND column_name = 'n'"
                       % name) == [('bigint',)]


@galera_group
def test_a_node_stopped_during_a_copy_stops_the_run_and_keeps_its_triggers_working(
        galera, galera_db):
    """Node 3 stops while the copy of c is filled. Its triggers there must
    not outlive the copy (node 3 would come back failing every write to c),
    and a copy that may miss its writes must not be swapped in: the run stops
    (exit 4), copy and triggers left, and the other nodes still take writes.
    With node 3 back, the next run takes them away on every node and copies
    again."""
    name = galera_db()
    engine = _parent_and_child(galera, name, 3000)
    fence = _fence_at('copying', 3, lambda: galera.sh('stop-node', '3'))
    try:
        with pytest.raises(errors.Unreachable) as raised:
            _alter_c(engine, fence, batch=100)
        assert '_dbm_new_c of c stays, with its triggers: 2 of the 3 nodes in ' \
            'wsrep_cluster_address are in the cluster' in raised.value.message
        for node in (1, 2):
            _write_c_on(galera, name, node, 2000 + node)
        assert _triggers_by_node(galera, name, (1, 2)) == {
            1: ['_dbm_d_c', '_dbm_i_c', '_dbm_u_c'], 2: ['_dbm_d_c', '_dbm_i_c', '_dbm_u_c']}
    finally:
        galera.sh('start-node', '3')
    _write_c_on(galera, name, 3, 2003)
    _tidy(engine)
    _assert_c_copied(galera, name, _alter_c(engine, lambda what: None))
    engine.dispose()


@galera_group
def test_a_holder_paused_past_its_lease_runs_no_further_statement(galera, galera_db, cli,
                                                                 chain_copy, tmp_path):
    """Run A is stopped (SIGSTOP) inside the long copy; the copy ends on the
    server, A's heartbeat stays silent, and B takes over a lease later and
    finishes the revision. A, continued, stops at its next fence (exit 7)
    without running another statement."""
    name, env = _long_revision_db(galera, galera_db, cli, chain_copy)
    # online = never: the point is one statement longer than the lease.
    lease = {'lock_lease': 1, 'fresh_install': 'chain', 'online': 'never'}
    a = _start(conftest.write_config(tmp_path / 'a.conf', galera.url(1, name),
                                     db_manage=lease), env)
    _wait_for_statement(galera, name, 'ALTER TABLE dbm_big', a)
    a.send_signal(signal.SIGSTOP)
    try:
        b = _start(conftest.write_config(tmp_path / 'b.conf', galera.url(2, name),
                                         db_manage=lease), env)
        b = _finish(b)
    finally:
        a.send_signal(signal.SIGCONT)
    a = _finish(a, 120)
    assert b.returncode == 0, b.stderr
    assert 'took over the migration lock' in b.stderr, b.stderr
    assert a.returncode == errors.LOCK_LOST, (json.loads(a.stdout)["error"], a.stderr)
    assert 'lost the migration lock' in json.loads(a.stdout)['error']
    _assert_046_once(galera, name, (b,))


@galera_group
def test_a_waiter_on_a_node_with_a_skewed_clock_does_not_take_over(galera, galera_db, cli,
                                                                   tmp_path):
    """Node 3's clock runs an hour ahead: a waiter there must not see a live
    holder's lease as expired."""
    galera.sh('stop-node', '3')
    galera.sh('start-node', '3', faketime='+1h')
    try:
        ahead = galera.admin(3, 'SELECT UTC_TIMESTAMP()')[0][0] - \
            galera.admin(1, 'SELECT UTC_TIMESTAMP()')[0][0]
        assert ahead.total_seconds() > 3000, ahead
        name = galera_db()
        run = {'lock_lease': LEASE, 'fresh_install': 'chain'}
        a = subprocess.Popen([str(conftest.BIN / 'mistral-db-manage'), '--config-file',
                              str(conftest.write_config(tmp_path / 'a.conf', galera.url(1, name),
                                                        db_manage=run)),
                              '--debug', '--json', 'upgrade', 'head'],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen = 0
        for line in a.stderr:
            seen += 'Running upgrade' in line
            if seen == 3:
                break
        code, b = cli.json('mistral', 'upgrade', 'head', url=galera.url(3, name),
                           db_manage=run)
        out, err = a.communicate(timeout=120)
        assert a.returncode == 0, err[-2000:]
        assert code == 0, b
        assert b['applied'] == [] and b['lock_wait'] > 0, b
        applied = [x['revision'] for x in json.loads(out)['applied']]
        assert applied == chain('mistral')
    finally:
        galera.sh('stop-node', '3')
        galera.sh('start-node', '3')


# -- the lock is released whatever happened to the connection -----------------

@pytest.fixture(params=[pytest.param('galera', marks=galera_group), 'redis'])
def renewed_kind(request):
    """Lock kinds kept alive by a thread of their own (a heartbeat)."""
    return (request.param,) + _kinds(request)


def test_a_lost_migrating_connection_still_releases_the_lock(renewed_kind):
    """The connection that migrates is killed while the lock is held (a node
    restart, KILL): the lock is released all the same, so the same
    long-lived process (an agent) takes it again at once."""
    kind, url, extra, sections = renewed_kind
    ctx = _ctx('mistral', url, **dict(extra, lock_timeout=2))
    with pytest.raises(Exception):
        with ctx.database.linked() as link, locks.held(ctx.lock_settings(), link, 'req-first'):
            conn_id = link.dbapi.cursor()
            conn_id.execute('SELECT CONNECTION_ID()')
            victim = conn_id.fetchone()[0]
            conn_id.close()
            engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
            with engine.connect() as admin:
                admin.exec_driver_sql('KILL %d' % victim)
            engine.dispose()
            link.dbapi.cursor().execute('SELECT 1')   # the run's next statement fails
    with ctx.database.linked() as link, locks.held(ctx.lock_settings(), link, 'req-second') as hold:
        assert hold.waited < 1


# -- nodes with and without a coordinator exclude each other ------------------

@pytest.mark.parametrize('service', SERVICES)
def test_runs_with_and_without_a_coordinator_exclude_each_other(cli, make_db, service):
    url = make_db('mysql')
    coordinated = conftest.write_config(cli.tmp_path / 'with.conf', url, db_manage=CHAIN_RUN,
                                        coordination={'backend_url': REDIS_URL})
    plain = conftest.write_config(cli.tmp_path / 'without.conf', url, db_manage=CHAIN_RUN)
    procs = _concurrently(cli, service, [coordinated, plain, coordinated, plain])
    _assert_converged(service, procs, url)


@pytest.mark.parametrize('backend_url, reason', (
    ('file:///tmp/dbmanage-test-locks', 'a file lock excludes only processes of this host'),
    ('ipc://', 'an IPC lock excludes only processes of this host'),
    ('zake://', "tooz has no back-end 'zake'"),
    ('kazoo://127.0.0.1:2181', "needs the Python module 'kazoo'"),
))
def test_a_coordinator_that_cannot_exclude_other_nodes_is_not_used(cli, make_db, backend_url,
                                                                   reason):
    """One warning line, and the database's own lock keeps runs apart."""
    url = make_db('mysql')
    proc = cli.run('mistral', 'upgrade', '+1', url=url,
                   coordination={'backend_url': backend_url})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0], lines
    assert lines[0].startswith('mistral-db-manage: [coordination] backend_url is not used '
                               'for the migration lock: '), lines
