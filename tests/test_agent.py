"""The agent over the real RabbitMQ: a CLI with no database credentials."""
import collections
import concurrent.futures
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid

import kombu
import pytest
import sqlalchemy as sa

from tests import conftest
from tests import servers

PASSWORD = 'Pw-%s' % uuid.uuid4().hex[:10]


class Agent:
    """A dbmanage-agent process on its own topic."""

    def __init__(self, tmp_path, url, service, topic, notify_topic, host, env=None,
                 transport_url=conftest.RABBIT_URL):
        self.env = {**os.environ, **(env or {})}
        self.log = tmp_path / ('agent-%s.log' % host)
        self.conf = conftest.write_config(
            tmp_path / ('agent-%s.conf' % host), url,
            DEFAULT={'transport_url': transport_url},
            # Replaying the chain: these tests stop agents inside revisions.
            db_manage={'service': service, 'topic': topic, 'host': host,
                       'lock_timeout': 120, 'fresh_install': 'chain'},
            oslo_messaging_notifications={'driver': 'messagingv2',
                                          'topics': notify_topic})
        self.proc = None

    def start(self, wait=True):
        self.proc = subprocess.Popen(
            [str(conftest.BIN / 'dbmanage-agent'), '--config-file', str(self.conf)],
            stdout=open(self.log, 'a'), stderr=subprocess.STDOUT, env=self.env)
        if not wait:
            return self
        deadline = time.monotonic() + 30
        while 'serving' not in self.log.read_text():
            assert self.proc.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)
        return self

    def wait_for_log(self, text, count=1, timeout=120):
        deadline = time.monotonic() + timeout
        while self.log.read_text().count(text) < count:
            assert time.monotonic() < deadline, self.log.read_text()[-3000:]
            time.sleep(0.02)

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def topics():
    tag = uuid.uuid4().hex[:10]
    return 'dbm_test_%s' % tag, 'dbm_notify_%s' % tag


@pytest.fixture
def agents(tmp_path, topics):
    started = []

    def start(url, service='mistral', host='agent-a', env=None):
        agent = Agent(tmp_path, url, service, topics[0], topics[1], host, env).start()
        started.append(agent)
        return agent
    yield start
    for agent in started:
        agent.stop()


@pytest.fixture
def remote(cli, topics):
    """Runs the CLI against the agent, with only broker settings."""
    conf = conftest.write_config(
        cli.tmp_path / 'remote.conf', None,
        DEFAULT={'transport_url': conftest.RABBIT_URL},
        db_manage={'use_agent': 'true', 'topic': topics[0],
                   'rpc_connect_timeout': 10},
        oslo_messaging_notifications={'topics': topics[1]})

    def run(service, *args, **kwargs):
        return cli.run(service, *args, conf=conf, **kwargs)
    return run


@pytest.fixture
def secret_mysql(make_db, mysql_user):
    """A MariaDB database reached with a password."""
    url = make_db('mysql')
    user = sa.engine.make_url(url).database[-12:]
    mysql_user(url, user, PASSWORD)
    return conftest.login_url(url, user, PASSWORD)


class Events:
    """A test's own queue on the notification topic, drained in the background."""

    def __init__(self, topic):
        self.conn = kombu.Connection(conftest.RABBIT_URL.replace('rabbit://', 'amqp://'))
        exchange = kombu.Exchange('openstack', type='topic', durable=False)
        queue = kombu.Queue(exclusive=True, auto_delete=True, exchange=exchange,
                            routing_key=topic + '.info',
                            bindings=[kombu.binding(exchange, topic + '.info'),
                                      kombu.binding(exchange, topic + '.error')])
        self.received = []
        self.arrivals = {}
        self.consumer = self.conn.Consumer([queue], callbacks=[self._on])
        self.consumer.consume()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self):
        while not self._stop.is_set():
            try:
                self.conn.drain_events(timeout=0.1)
            except socket.timeout:
                pass

    def _on(self, body, message):
        message.ack()
        body = json.loads(body) if isinstance(body, (str, bytes)) else body
        event = json.loads(body['oslo.message'])
        self.arrivals.setdefault(event['event_type'], time.time())
        self.received.append(event)

    def collect(self, until, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e['event_type'] == until for e in list(self.received)):
                return list(self.received)
            time.sleep(0.05)
        raise AssertionError('no %s in %s' % (until, [e['event_type'] for e in self.received]))

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.conn.release()


def test_cli_without_credentials_drives_every_command(agents, remote, secret_mysql, topics):
    agent = agents(secret_mysql)
    events = Events(topics[1])
    try:
        proc = remote('mistral', '--json', 'upgrade', '+2')
        data = json.loads(proc.stdout)
        assert proc.returncode == 0, proc.stderr
        assert data['host'] == 'agent-a' and data['revision_after'] == ['002']
        assert [a['revision'] for a in data['applied']] == ['001', '002']
        assert remote('mistral', 'current').stdout.strip() == '002'
        assert remote('mistral', 'heads').stdout.strip() == '045 (head)'
        assert remote('mistral', 'branches').returncode == 0
        assert remote('mistral', 'check_migration').returncode == 0
        assert '001 -> 002 (current)' in remote('mistral', 'history').stdout
        proc = remote('mistral', '--json', 'upgrade', 'head')
        data = json.loads(proc.stdout)
        assert data['revision_before'] == ['002'] and data['revision_after'] == ['045']
        assert len(data['applied']) == 43
        received = events.collect('db_manage.upgrade.end')
        assert remote('mistral', 'stamp', '044').returncode == 0
        # 045's indexes are there already: the check before the upgrade names
        # them, and nothing runs.
        assert remote('mistral', 'upgrade', 'head').returncode == 9
        assert remote('mistral', 'stamp', 'head').returncode == 0
        assert remote('mistral', 'populate').returncode == 0
        assert remote('mistral', 'populate_actions').returncode == 0   # API 1.3
        assert remote('mistral', 'verify').returncode == 0             # API 1.4
        proc = remote('mistral', 'upgrade', '044:045', '--sql')
        assert proc.returncode == 0 and 'UPDATE alembic_version' in proc.stdout
        assert remote('mistral', 'downgrade', '-1').returncode == 2
        assert remote('mistral', 'upgrade', 'nosuch').returncode == 2
        received = events.collect('db_manage.populate.end')
    finally:
        events.close()
    ends = [e for e in received if e['event_type'] == 'db_manage.upgrade.end']
    assert [e['payload']['revision_after'] for e in ends[:2]] == [['002'], ['045']]
    payload = ends[1]['payload']
    assert payload['service'] == 'mistral' and payload['host'] == 'agent-a'
    assert payload['revision_before'] == ['002'] and payload['revision_after'] == ['045']
    assert payload['applied'] == ['%03d' % i for i in range(3, 46)]
    assert payload['heads'] == ['045'] and payload['duration'] > 0 and payload['request_id']
    revisions = [e['payload']['revision'] for e in received
                 if e['event_type'] == 'db_manage.upgrade.revision']
    assert revisions[:45] == ['%03d' % i for i in range(1, 46)]
    assert {'db_manage.upgrade.start', 'db_manage.stamp.end'} <= {e['event_type'] for e in received}
    everything = json.dumps(received) + agent.log.read_text()
    assert PASSWORD not in everything
    assert 'audit: request=req-' in agent.log.read_text()



@pytest.mark.parametrize('password', ['Xy/9#kq', 'k#9'], ids=['slash-hash', 'three-chars'])
def test_agent_hides_passwords_of_any_shape(agents, remote, make_db, mysql_user, topics,
                                            password):
    url = make_db('mysql')
    user = 'mk%s' % uuid.uuid4().hex[:10]
    mysql_user(url, user, password)
    agent = agents(conftest.login_url(url, user, password, encoded=False))
    events = Events(topics[1])
    try:
        replies = [remote('mistral', '--json', 'upgrade', '+2'),
                   remote('mistral', 'current', '--verbose')]
        received = events.collect('db_manage.upgrade.end')
    finally:
        events.close()
    assert [p.returncode for p in replies] == [0, 0], replies[0].stderr
    masked = conftest.login_url(url, user, '***', encoded=False)
    assert json.loads(replies[0].stdout)['database'] == masked
    assert replies[1].stdout.startswith('Current revision(s) for %s:' % masked)
    everything = (json.dumps(received) + agent.log.read_text()
                  + ''.join(p.stdout + p.stderr for p in replies))
    for form in conftest.password_forms(password):
        assert form not in everything

def test_two_agents_four_clis_apply_each_revision_once(agents, remote, make_db):
    url = make_db('mysql')
    agents(url, host='agent-a')
    agents(url, host='agent-b')
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        procs = list(pool.map(lambda _: remote('mistral', '--json', 'upgrade', 'head'), range(4)))
    assert [p.returncode for p in procs] == [0] * 4, [p.stderr for p in procs]
    results = [json.loads(p.stdout) for p in procs]
    assert all(r['revision_after'] == ['045'] for r in results)
    # Callers that joined a running upgrade on the same agent share its record;
    # the runs that did the work applied each revision exactly once between them.
    runs = {r['request_id']: r for r in results if 'joined_request_id' not in r['details']}
    applied = collections.Counter(a['revision'] for r in runs.values() for a in r['applied'])
    assert applied == collections.Counter('%03d' % i for i in range(1, 46))
    for joined in (r for r in results if 'joined_request_id' in r['details']):
        assert joined['applied'] == runs[joined['details']['joined_request_id']]['applied']
    assert conftest.schema_dump(url) == conftest.REFERENCE['mistral'].read_text()


@pytest.mark.parametrize('server', ['mysql', 'postgresql'])
@pytest.mark.parametrize('point', [1, 2, 14, 40])
def test_killed_agent_then_rerun_converges(agents, remote, make_db, server, point):
    url = make_db(server)
    agent = agents(url)
    upgrade = subprocess.Popen([str(conftest.BIN / 'mistral-db-manage'), '--config-file',
                                str(agent.conf), '--use-agent', 'upgrade', 'head'],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    agent.wait_for_log('Running upgrade', count=point)
    time.sleep(0.05 * (point % 3))  # inside the revision, or just past its start
    agent.kill()
    upgrade.kill()
    upgrade.wait()
    agent.start()
    proc = remote('mistral', 'upgrade', 'head')
    assert proc.returncode == 0, proc.stderr
    expected = make_db(server)
    assert subprocess.run([str(conftest.BIN / 'mistral-db-manage'), '--config-file',
                           str(conftest.write_config(agent.log.parent / 'x.conf', expected)),
                           'upgrade', 'head'], capture_output=True).returncode == 0
    assert conftest.schema_dump(url) == conftest.schema_dump(expected)


def test_cli_notices_an_agent_that_died_mid_upgrade(agents, remote, cli, topics, make_db):
    agent = agents(make_db('mysql'))
    conf = conftest.write_config(
        cli.tmp_path / 'hb.conf', None, DEFAULT={'transport_url': conftest.RABBIT_URL},
        db_manage={'use_agent': 'true', 'topic': topics[0], 'rpc_heartbeat_timeout': 3})
    upgrade = subprocess.Popen([str(conftest.BIN / 'mistral-db-manage'), '--config-file',
                                str(conf), 'upgrade', 'head'],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    agent.wait_for_log('Running upgrade', count=2)
    agent.kill()
    started = time.monotonic()
    _, err = upgrade.communicate(timeout=60)
    assert upgrade.returncode == 4
    assert 'stopped answering during upgrade' in err
    assert time.monotonic() - started < 20


def test_broker_down_fails_within_the_deadline(cli):
    started = time.monotonic()
    proc = cli.run('mistral', 'current', DEFAULT={'transport_url': 'rabbit://guest:guest@127.0.0.1:1/'},
                   db_manage={'use_agent': 'true', 'rpc_connect_timeout': 2})
    assert proc.returncode == 4, proc.stderr
    assert time.monotonic() - started < 15
    assert proc.stderr.strip().count('\n') == 0


def test_no_agent_fails_within_the_deadline(remote, cli, topics):
    started = time.monotonic()
    proc = cli.run('mistral', 'current', DEFAULT={'transport_url': conftest.RABBIT_URL},
                   db_manage={'use_agent': 'true', 'topic': topics[0], 'rpc_connect_timeout': 2})
    assert proc.returncode == 4
    assert 'no mistral agent answered' in proc.stderr
    assert time.monotonic() - started < 15


def test_wait_returns_when_another_node_upgrades(agents, remote, cli, topics, make_db):
    url = make_db('postgresql')
    agents(url)
    conf = cli.tmp_path / 'remote.conf'
    waiter = subprocess.Popen([str(conftest.BIN / 'mistral-db-manage'), '--config-file', str(conf),
                               'wait', '--timeout', '120'], stdout=subprocess.PIPE, text=True)
    time.sleep(3)
    assert waiter.poll() is None
    assert remote('mistral', 'upgrade', 'head').returncode == 0
    out, _ = waiter.communicate(timeout=60)
    assert waiter.returncode == 0
    assert 'Database is at 045 (head)' in out


def test_wait_timeout_exit_code(agents, remote, make_db):
    agents(make_db('mysql'))
    proc = remote('mistral', 'wait', '--revision', '010', '--timeout', '2')
    assert proc.returncode == 6, proc.stderr


def test_wait_in_process_polls(cli, make_db):
    url = make_db('mysql')
    cli.run('mistral', 'upgrade', '010', url=url)
    proc = cli.run('mistral', 'wait', '--revision', '005', '--timeout', '5', url=url)
    assert proc.returncode == 0
    proc = cli.run('mistral', 'wait', '--timeout', '1', url=url)
    assert proc.returncode == 6


def test_agent_rejects_arguments_that_are_not_revisions(agents, remote, make_db):
    agents(make_db('mysql'))
    proc = remote('mistral', 'upgrade', "head; DROP TABLE x")
    assert proc.returncode == 2 and 'invalid revision' in proc.stderr


def test_lbaas_through_the_agent(agents, remote, make_db):
    url = make_db('mysql')
    agents(url, service='lbaas')
    proc = remote('lbaas', '--json', 'upgrade', 'head')
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)['service'] == 'lbaas'
    assert conftest.schema_dump(url) == conftest.REFERENCE['lbaas'].read_text()


def test_sigterm_lets_the_running_upgrade_finish(agents, remote, make_db):
    url = make_db('mysql')
    agent = agents(url)
    upgrade = subprocess.Popen([str(conftest.BIN / 'mistral-db-manage'), '--config-file',
                                str(agent.conf), '--use-agent', 'upgrade', 'head'],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    agent.wait_for_log('Running upgrade', count=3)
    agent.proc.send_signal(signal.SIGTERM)
    out, err = upgrade.communicate(timeout=120)
    assert agent.proc.wait(60) == 0
    assert upgrade.returncode == 0, err
    assert 'Database is at 045 (head)' in out


def test_a_revision_added_while_the_agent_runs_is_seen_by_every_command(
        agents, remote, cli, chain_copy, make_db):
    package, env = chain_copy
    url = make_db('sqlite')
    agents(url, env=env)
    # The agent has read the chain both ways: as text and through Alembic.
    assert remote('mistral', 'upgrade', '+1').returncode == 0
    assert remote('mistral', 'heads').stdout.strip() == '045 (head)'
    proc = cli.run('mistral', 'revision', '-m', 'added later', env=env)
    assert proc.returncode == 0, proc.stderr
    assert (package / 'mistral' / 'versions' / '046_added_later.py').exists()
    assert remote('mistral', 'heads').stdout.strip() == '046 (head)'
    proc = remote('mistral', '--json', 'upgrade', 'head')
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data['heads'] == ['046'] and data['revision_after'] == ['046']
    assert remote('mistral', 'current').stdout.strip() == '046 (head)'


def _free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT])
def test_a_signal_ends_an_agent_that_cannot_reach_the_broker(tmp_path, make_db, topics, signum):
    agent = Agent(tmp_path, make_db('sqlite'), 'mistral', topics[0], topics[1], 'agent-a',
                  transport_url='rabbit://guest:guest@127.0.0.1:%d/' % _free_port())
    agent.start(wait=False)
    time.sleep(2)   # retrying the broker by now
    agent.proc.send_signal(signum)
    try:
        code = agent.proc.wait(10)
    except subprocess.TimeoutExpired:
        agent.kill()
        raise AssertionError('still running 10 s after the signal: %s'
                             % agent.log.read_text()[-2000:])
    log = agent.log.read_text()
    assert code == 0, log
    assert log.count('signal %d' % signum) == 1, log
    assert 'serving' not in log


class SlowBroker:
    """The real broker behind a relay that holds the first connection back
    ``delay`` seconds, as a slow network does to an agent starting up."""

    def __init__(self, delay):
        self.upstream = conftest.RABBIT_URL.split('@')[-1].split('/')[0].split(':')
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.url = 'rabbit://guest:guest@127.0.0.1:%d/' % self.listener.getsockname()[1]
        self.delays = [delay]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            delay = self.delays.pop() if self.delays else 0
            threading.Thread(target=self._relay, args=(client, delay), daemon=True).start()

    def _relay(self, client, delay):
        time.sleep(delay)
        server = socket.create_connection((self.upstream[0], int(self.upstream[1])))
        threading.Thread(target=self._pump, args=(server, client), daemon=True).start()
        self._pump(client, server)

    @staticmethod
    def _pump(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.listener.close()


def test_serving_is_logged_once_requests_are_taken(tmp_path, cli, make_db, topics):
    url = make_db('sqlite')
    conf = conftest.write_config(
        tmp_path / 'quick.conf', None, DEFAULT={'transport_url': conftest.RABBIT_URL},
        db_manage={'use_agent': 'true', 'topic': topics[0], 'rpc_connect_timeout': 3})
    for attempt in range(3):
        broker = SlowBroker(delay=1.5)
        agent = Agent(tmp_path, url, 'mistral', topics[0], topics[1], 'agent-%d' % attempt,
                      transport_url=broker.url)
        try:
            agent.start()   # returns on the serving line
            proc = cli.run('mistral', 'heads', conf=conf)
            assert (proc.returncode, proc.stdout.strip()) == (0, '045 (head)'), proc.stderr
        finally:
            agent.stop()
            broker.close()


def test_cli_reply_queues_expire_quickly(agents, remote, make_db):
    agents(make_db('mysql'))
    before = _reply_queues()
    assert remote('mistral', 'current').returncode == 0
    fresh = {name: ttl for name, ttl in _reply_queues().items() if name not in before}
    assert fresh and all(ttl == 10000 for ttl in fresh.values()), fresh


def _reply_queues():
    """Reply queues on the broker and their x-expires, from rabbitmqctl."""
    out = servers.rabbitmqctl('-q', 'list_queues', 'name', 'arguments')
    queues = {}
    for line in out.splitlines():
        name, _, args = line.partition('\t')
        if name.startswith('reply_'):
            found = [int(x) for x in re.findall(r'"x-expires",(\d+)', args)]
            queues[name] = found[0] if found else None
    return queues
