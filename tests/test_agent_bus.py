"""The agent and the bus as deployments run them: concurrent requests, vhosts
with durable and quorum queues, TLS, lab credentials, misdirected clients."""
import concurrent.futures
import os
import pty
import select
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import pytest
import sqlalchemy as sa

from tests import conftest
from tests import inprocess
from tests.servers import rabbitmqctl

RABBIT_HOST = conftest.RABBIT_URL.split('@')[-1].split('/')[0]


class Bus:
    """Broker settings shared by an agent and its CLIs (one test's topics)."""

    def __init__(self, tmp_path, transport_url=conftest.RABBIT_URL, rabbit=None):
        tag = uuid.uuid4().hex[:10]
        self.tmp_path = tmp_path
        self.topic, self.notify_topic = 'dbm_bus_%s' % tag, 'dbm_bus_notify_%s' % tag
        self.transport_url = transport_url
        self.rabbit = dict(rabbit or {})
        self.agents = []

    def _sections(self):
        sections = {'DEFAULT': {'transport_url': self.transport_url},
                    'oslo_messaging_notifications': {'driver': 'messagingv2',
                                                     'topics': self.notify_topic}}
        if self.rabbit:
            sections['oslo_messaging_rabbit'] = self.rabbit
        return sections

    def client_conf(self, notify_url=None, **db_manage):
        sections = self._sections()
        if notify_url:
            sections['oslo_messaging_notifications']['transport_url'] = notify_url
        return conftest.write_config(
            self.tmp_path / ('cli-%s.conf' % uuid.uuid4().hex[:8]), None,
            db_manage={'use_agent': 'true', 'topic': self.topic,
                       'rpc_connect_timeout': 10, **db_manage},
            **sections)

    def agent(self, url, service='mistral', lock_timeout=120):
        host = 'agent-%s' % uuid.uuid4().hex[:6]
        conf = conftest.write_config(
            self.tmp_path / ('%s.conf' % host), url,
            db_manage={'service': service, 'topic': self.topic, 'host': host,
                       'lock_timeout': lock_timeout},
            **self._sections())
        log = self.tmp_path / ('%s.log' % host)
        proc = subprocess.Popen([str(conftest.BIN / 'dbmanage-agent'), '--config-file', str(conf)],
                                stdout=open(log, 'a'), stderr=subprocess.STDOUT)
        self.agents.append(proc)
        deadline = time.monotonic() + 30
        while 'serving' not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        return proc, log

    def run(self, service, *args, conf=None, timeout=300):
        argv = [str(conftest.BIN / ('%s-db-manage' % service)),
                '--config-file', str(conf or self.client_conf())] + [str(a) for a in args]
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              cwd=self.tmp_path)

    def popen(self, service, *args, conf=None, **kwargs):
        argv = [str(conftest.BIN / ('%s-db-manage' % service)),
                '--config-file', str(conf or self.client_conf())] + [str(a) for a in args]
        return subprocess.Popen(argv, text=True, cwd=self.tmp_path, **kwargs)

    def stop(self):
        for proc in self.agents:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGCONT)
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@pytest.fixture
def bus(tmp_path):
    made = []

    def make(**kwargs):
        made.append(Bus(tmp_path, **kwargs))
        return made[-1]
    yield make
    for one in made:
        one.stop()


@pytest.fixture
def vhost():
    """A vhost of its own on the shared broker, for non-default settings."""
    name = 'dbm_%s' % uuid.uuid4().hex[:10]
    rabbitmqctl('add_vhost', name)
    rabbitmqctl('set_permissions', '-p', name, 'guest', '.*', '.*', '.*')
    yield name
    rabbitmqctl('delete_vhost', name)


def _url_on(vhost, host=RABBIT_HOST):
    return 'rabbit://guest:guest@%s/%s' % (host, vhost)


def _revisions(url):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        found = [r[0] for r in conn.execute(sa.text('SELECT version_num FROM alembic_version'))]
    engine.dispose()
    return found


def _statements(sql):
    """The script's revision markers in order, and each revision's lines.

    Alembic renders the indexes of a created table in set order, which
    differs from one rendering to the next; everything else is compared
    as it is.
    """
    blocks = sql.split('-- Running upgrade')
    return [block.splitlines()[0] for block in blocks[1:]], [sorted(b.splitlines()) for b in blocks]


def test_sql_history_current_answered_during_a_live_upgrade(bus, make_db):
    url = make_db('mysql')
    one = bus()
    one.agent(url)
    conf = one.client_conf()
    quiet = one.run('mistral', 'upgrade', 'head', '--sql', conf=conf)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.count('INSERT INTO alembic_version') == 1
    upgrade = one.popen('mistral', 'upgrade', 'head', conf=conf,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    asked = 0
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        while upgrade.poll() is None and asked < 30:
            sql, history, current = [pool.submit(one.run, 'mistral', *args, conf=conf)
                                     for args in (('upgrade', 'head', '--sql'),
                                                  ('history',), ('current',))]
            for proc in (sql.result(), history.result(), current.result()):
                assert proc.returncode == 0, proc.stderr
            assert _statements(sql.result().stdout) == _statements(quiet.stdout)
            asked += 1
    out, err = upgrade.communicate(timeout=300)
    assert upgrade.returncode == 0, err
    assert asked >= 1
    assert conftest.schema_dump(url) == conftest.REFERENCE['mistral'].read_text()


def test_second_write_gets_exit_3_after_lock_timeout(bus, make_db):
    url = make_db('mysql')
    inprocess.run('mistral', url, 'upgrade', revision='040')
    one = bus()
    _, log = one.agent(url, lock_timeout=1)
    conf = one.client_conf()
    # An open transaction that has read the table 041 alters holds its
    # metadata lock: the agent's upgrade waits inside 041 until it ends.
    blocker = sa.create_engine(url, poolclass=sa.pool.NullPool).connect()
    blocker.execute(sa.text('SELECT COUNT(*) FROM workflow_executions_v2'))
    try:
        upgrade = one.popen('mistral', 'upgrade', '+1', conf=conf,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while 'Running upgrade 040 -> 041' not in log.read_text():
            assert time.monotonic() < deadline and upgrade.poll() is None
            time.sleep(0.02)
        started = time.monotonic()
        second = one.run('mistral', 'stamp', 'head', conf=conf)
        assert second.returncode == 3, (second.stdout, second.stderr)
        assert time.monotonic() - started < 10
        assert 'lock_timeout' in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
        assert upgrade.poll() is None
    finally:
        blocker.rollback()
        blocker.close()
    assert upgrade.wait(300) == 0
    assert _revisions(url) == ['041']


def test_two_concurrent_plus_one_apply_two_revisions(bus, make_db):
    url = make_db('mysql')
    one = bus()
    one.agent(url)
    conf = one.client_conf()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(one.run, 'mistral', 'upgrade', '+1', conf=conf) for _ in range(2)]
        for run in runs:
            assert run.result().returncode == 0, run.result().stderr
    assert _revisions(url) == ['002']


def _wait_and_progress(one, url):
    """wait returns on the upgrade's end event; the upgrader shows progress."""
    conf = one.client_conf()
    waiter = one.popen('mistral', 'wait', '--timeout', '120', conf=conf,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(3)
    assert waiter.poll() is None, waiter.communicate()
    # Progress is drawn only on a terminal.
    master, slave = pty.openpty()
    upgrader = one.popen('mistral', 'upgrade', 'head', conf=conf,
                         stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    shown = b''
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        elif upgrader.poll() is not None:
            break
    os.close(master)
    assert upgrader.wait(60) == 0, shown
    finished = time.monotonic()
    out, err = waiter.communicate(timeout=60)
    assert waiter.returncode == 0, err
    assert 'Database is at 045 (head)' in out
    assert time.monotonic() - finished < 4  # an event, not the 5 s poll
    assert 'no events' not in err
    assert b'applied 045' in shown and b'0 remaining' in shown


@pytest.mark.parametrize('option', ['rabbit_quorum_queue', 'amqp_durable_queues'])
def test_wait_and_progress_with_durable_or_quorum_queues(bus, vhost, make_db, option):
    url = make_db('mysql')
    one = bus(transport_url=_url_on(vhost), rabbit={option: 'true'})
    one.agent(url)
    _wait_and_progress(one, url)
    exchanges = rabbitmqctl('list_exchanges', '-p', vhost, 'name', 'durable')
    assert any(line.split() == ['openstack', 'true'] for line in exchanges.splitlines())
    # The listeners' queues went with their connections.
    queues = rabbitmqctl('list_queues', '-p', vhost, 'name', 'exclusive')
    assert not [q for q in queues.splitlines() if q.endswith('\ttrue')], queues


@pytest.fixture
def tls_port():
    """A TLS listener on a spare port of the shared broker, with a throwaway CA."""
    folder = tempfile.mkdtemp(prefix='dbm-tls-')
    os.chmod(folder, 0o755)  # the broker runs as its own user

    def ssl(*args):
        subprocess.run(['openssl', *args], cwd=folder, check=True, capture_output=True)
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key',
        '-out', 'ca.pem', '-days', '1', '-subj', '/CN=dbmanage test CA')
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key',
        '-out', 'server.csr', '-subj', '/CN=localhost')
    with open(os.path.join(folder, 'ext'), 'w') as ext:
        ext.write('subjectAltName=DNS:localhost,IP:127.0.0.1\n')
    ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
        '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'ext')
    for name in os.listdir(folder):
        os.chmod(os.path.join(folder, name), 0o644)
    import socket
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    listener = '{"127.0.0.1", %d}' % port
    rabbitmqctl('eval', 'rabbit_networking:start_ssl_listener(%s, [{cacertfile, "%s/ca.pem"}, '
                '{certfile, "%s/server.pem"}, {keyfile, "%s/server.key"}, {verify, verify_none}, '
                '{fail_if_no_peer_cert, false}], 1).' % (listener, folder, folder, folder))
    yield port, os.path.join(folder, 'ca.pem')
    rabbitmqctl('eval', 'rabbit_networking:stop_tcp_listener(%s).' % listener)
    shutil.rmtree(folder)


def test_wait_and_progress_over_tls(bus, tls_port, make_db):
    port, ca = tls_port
    url = make_db('mysql')
    one = bus(transport_url='rabbit://guest:guest@localhost:%d/' % port,
              rabbit={'ssl': 'true', 'ssl_ca_file': ca})
    one.agent(url)
    _wait_and_progress(one, url)
    # Without TLS settings the same port answers nothing useful: the
    # settings above are what made it work.
    plain = bus(transport_url=one.transport_url)
    plain.topic = one.topic
    proc = plain.run('mistral', 'current', conf=plain.client_conf(rpc_connect_timeout=2),
                     timeout=30)
    assert proc.returncode == 4, proc.stderr


@pytest.fixture
def lab_credentials():
    """The classic lab setup: user, password and database all ``mistral``."""
    admin = sa.create_engine(conftest.MYSQL_URL + '/mysql', isolation_level='AUTOCOMMIT',
                             poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        exists = conn.execute(sa.text("SHOW DATABASES LIKE 'mistral'")).fetchall()
        assert not exists, 'a database called mistral exists already on this server'
        conn.execute(sa.text('CREATE DATABASE mistral CHARACTER SET utf8mb4'))
        conn.execute(sa.text("CREATE USER 'mistral'@'%' IDENTIFIED BY 'mistral'"))
        conn.execute(sa.text("GRANT ALL ON mistral.* TO 'mistral'@'%'"))
    host = conftest.MYSQL_URL.split('@')[-1]
    yield 'mysql+pymysql://mistral:mistral@%s/mistral' % host
    with admin.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS mistral'))
        conn.execute(sa.text("DROP USER IF EXISTS 'mistral'@'%'"))
    admin.dispose()


def _clean(text):
    """Names readable, password gone: the database is named, nothing masked but it."""
    assert 'mistral:mistral@' not in text, text
    assert '***:' not in text and '/***' not in text and '"***"' not in text, text


def test_lab_credentials_name_the_database_and_hide_the_password(bus, cli, lab_credentials):
    from tests.test_agent import Events
    url = lab_credentials
    for args in (('--json', 'current'), ('current', '--verbose'), ('upgrade', '+1')):
        proc = cli.run('mistral', *args, url=url)
        assert proc.returncode == 0, proc.stderr
        _clean(proc.stdout + proc.stderr)
    proc = cli.run('mistral', '--json', 'current', url=url)
    assert '@%s/mistral' % conftest.MYSQL_URL.split('@')[-1] in proc.stdout
    one = bus()
    _, log = one.agent(url)
    events = Events(one.notify_topic)
    try:
        for args in (('--json', 'upgrade', '+1'), ('upgrade', '+1'), ('--json', 'current'),
                     ('history',)):
            proc = one.run('mistral', *args)
            assert proc.returncode == 0, proc.stderr
            _clean(proc.stdout + proc.stderr)
        received = events.collect('db_manage.upgrade.end')
    finally:
        events.close()
    assert {e['payload']['service'] for e in received} == {'mistral'}
    _clean(str(received))
    _clean(log.read_text())
    # A bad command's error still hides the password.
    bad = one.run('mistral', 'upgrade', 'nosuchrev')
    assert bad.returncode == 2
    _clean(bad.stdout + bad.stderr)


def test_lbaas_cli_refused_by_a_mistral_agent(bus, make_db):
    url = make_db('mysql')
    one = bus()
    _, log = one.agent(url)
    proc = one.run('lbaas', 'upgrade', 'head')
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert 'mistral agent' in proc.stderr and 'nothing was run' in proc.stderr
    assert 'audit:' not in log.read_text()
    assert not _has_version_table(url)


def _has_version_table(url):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return sa.inspect(engine).has_table('alembic_version')
    finally:
        engine.dispose()


def test_wait_timeout_bounds_the_whole_command(bus, make_db):
    url = make_db('mysql')
    one = bus()
    agent, _ = one.agent(url)
    os.kill(agent.pid, signal.SIGSTOP)
    try:
        for args in (('wait', '--timeout', '5'), ('wait', '--timeout', '5', '--revision', '002')):
            started = time.monotonic()
            proc = one.run('mistral', *args, timeout=30)
            took = time.monotonic() - started
            assert proc.returncode == 6, proc.stderr
            assert took < 8, took   # 5 s, plus starting Python on a loaded machine
            assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    finally:
        os.kill(agent.pid, signal.SIGCONT)


def test_wait_retries_an_agent_that_comes_back(bus, make_db):
    url = make_db('mysql')
    one = bus()
    conf = one.client_conf(rpc_connect_timeout=1)
    waiter = one.popen('mistral', 'wait', '--timeout', '90', conf=conf,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(3)  # no agent yet: asking again, not failing
    assert waiter.poll() is None
    one.agent(url)
    assert one.run('mistral', 'upgrade', 'head').returncode == 0
    out, err = waiter.communicate(timeout=60)
    assert waiter.returncode == 0, err


def test_wait_refuses_a_revision_the_chain_does_not_know(bus, make_db):
    url = make_db('mysql')
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text('CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)'))
        conn.execute(sa.text("INSERT INTO alembic_version VALUES ('fffffffffff9')"))
    engine.dispose()
    one = bus()
    one.agent(url)
    started = time.monotonic()
    proc = one.run('mistral', 'wait', '--timeout', '60')
    assert proc.returncode == 1, proc.stderr
    assert 'fffffffffff9' in proc.stderr and time.monotonic() - started < 20


def test_bad_transport_url_is_one_line(bus, tmp_path, make_db):
    for url in ('nosuchdriver://x/', 'rabbit://guest:guest@127.0.0.1:notaport/'):
        one = bus(transport_url=url)
        proc = one.run('mistral', 'current')
        assert proc.returncode == 2, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert 'transport_url' in proc.stderr
        conf = tmp_path / 'bad-agent.conf'
        conftest.write_config(conf, make_db('sqlite'), DEFAULT={'transport_url': url})
        agent = subprocess.run([str(conftest.BIN / 'dbmanage-agent'), '--config-file', str(conf)],
                               capture_output=True, text=True, timeout=30)
        assert agent.returncode == 2
        lines = (agent.stdout + agent.stderr).strip().splitlines()
        assert len(lines) == 1 and 'transport_url' in lines[0], lines


def test_wait_polls_when_it_cannot_subscribe(bus, make_db):
    url = make_db('mysql')
    one = bus()
    one.agent(url)
    assert one.run('mistral', 'upgrade', '+1').returncode == 0
    # Events on a broker that is not there; RPC works.
    conf = one.client_conf(notify_url='rabbit://guest:guest@127.0.0.1:1/')
    proc = one.run('mistral', 'wait', '--revision', '001', '--timeout', '30', conf=conf)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and 'polling' in proc.stderr, proc.stderr


def test_agent_too_old_for_a_method_runs_nothing(bus, make_db):
    from dbmanage_agent import manager
    major, minor = manager.API_VERSION.split('.')
    newer = '%s.%d' % (major, int(minor) + 1)
    url = make_db('mysql')
    one = bus()
    _, log = one.agent(url)
    code = ('import sys\n'
            'from dbmanage_cli import main\n'
            'from dbmanage import config, errors, services\n'
            'from dbmanage_agent import rpcapi\n'
            'main.CONF.register_cli_opts(main.cli_opts(services.get("mistral")))\n'
            'config.load(["--config-file", sys.argv[1], "heads"], "mistral", "x")\n'
            'api = rpcapi.AgentAPI(main.CONF, services.get("mistral"))\n'
            'try:\n'
            '    api._call("upgrade", "%s", revision="head")\n'
            'except errors.DbManageError as exc:\n'
            '    print(exc.exit_code, exc.message)\n') % newer
    proc = subprocess.run([conftest.sys.executable, '-c', code, str(one.client_conf())],
                          capture_output=True, text=True, timeout=60, cwd=conftest.ROOT)
    assert proc.stdout.startswith('4 '), (proc.stdout, proc.stderr)
    assert 'speaks API %s; upgrade needs %s' % (manager.API_VERSION, newer) in proc.stdout
    assert 'audit:' not in log.read_text()
    assert not _has_version_table(url)


def test_audit_line_marks_and_sanitises_claimed_fields(tmp_path, caplog):
    import logging
    from dbmanage_agent import manager
    from dbmanage import commands
    from dbmanage import services
    ctx = commands.Context(service=services.get('mistral'), host='test',
                             url='sqlite:///%s' % (tmp_path / 'audit.sqlite'))
    endpoint = manager.AgentManager(ctx)
    with caplog.at_level(logging.INFO, logger='dbmanage_agent.manager'):
        endpoint.heads({'user': 'eve\naudit: request=forged', 'host': 'h' * 500,
                        'request_id': 'req-1\r\nx'})
    lines = [r.getMessage() for r in caplog.records if 'audit:' in r.getMessage()]
    assert len(lines) == 1 and '\n' not in lines[0] and '\r' not in lines[0]
    assert 'claimed_user=eve?audit:?request=forged ' in lines[0]
    assert 'claimed_host=%s ' % ('h' * 64) in lines[0]
    assert 'request=req-1??x ' in lines[0]
