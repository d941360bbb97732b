"""oslo.db's [database] options, as the services' config files set them:
all of them parse, and the ones that change how a migration connects are
honoured on the servers (docs/operations.md lists which)."""
import socket
import threading
import time

import pytest
import sqlalchemy as sa

from dbmanage.db import database
from tests import conftest

# Records what the migrating session was set up with.
SEEN = '''"""Record the migrating session's settings."""
from alembic import op

revision = '046'
down_revision = '045'


def upgrade():
    if op.get_bind().dialect.name == 'mysql':
        op.execute('CREATE TABLE seen AS SELECT @@SESSION.sql_mode AS sql_mode, '
                   '@@SESSION.wait_timeout AS wait_timeout')
    else:
        op.execute("CREATE TABLE seen AS SELECT current_setting('work_mem') AS work_mem")
'''


def _migrating_session(cli, chain_copy, url, **options):
    """What revision 046 saw of the session that applied it, run with the
    ``[database]`` ``options``."""
    package, env = chain_copy
    (package / 'mistral' / 'versions' / '046_seen.py').write_text(SEEN)
    assert cli.run('mistral', 'upgrade', '045', url=url).returncode == 0
    conf = conftest.write_config(cli.tmp_path / 'options.conf', None,
                                 database={'connection': url, **options})
    proc = cli.run('mistral', 'upgrade', 'head', conf=conf, env=env)
    assert proc.returncode == 0, proc.stderr
    return conftest.rows(url, 'seen', '1')[0]


def _global_sql_mode():
    engine = sa.create_engine(conftest.MYSQL_URL + '/mysql', poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        return conn.execute(sa.text('SELECT @@GLOBAL.sql_mode')).scalar()


def test_mysql_sql_mode_is_the_migrating_sessions(cli, make_db, chain_copy):
    assert 'TRADITIONAL' not in _global_sql_mode()
    seen = _migrating_session(cli, chain_copy, make_db('mysql'), mysql_sql_mode='TRADITIONAL')
    assert 'TRADITIONAL' in seen['sql_mode'].split(',')


def test_without_mysql_sql_mode_the_session_has_the_servers(cli, make_db, chain_copy):
    """oslo.db's default (TRADITIONAL) is for a service's own sessions; the
    upstream migration tools use the server's mode."""
    seen = _migrating_session(cli, chain_copy, make_db('mysql'))
    assert seen['sql_mode'] == _global_sql_mode()


def test_connection_parameters_reach_the_mysql_driver(cli, make_db, chain_copy):
    seen = _migrating_session(cli, chain_copy, make_db('mysql'),
                              connection_parameters='init_command=SET%20SESSION%20'
                                                    'wait_timeout%3D1234')
    assert seen['wait_timeout'] == 1234


def test_connection_parameters_reach_the_postgresql_driver(cli, make_db, chain_copy):
    seen = _migrating_session(cli, chain_copy, make_db('postgresql'),
                              connection_parameters='options=-c%20work_mem%3D1234kB')
    assert seen['work_mem'] == '1234kB'


def test_sql_mode_on_connections_the_driver_opens_by_itself(make_db):
    """The lock and a fresh install run on these (no SQLAlchemy)."""
    db = database.Database(make_db('mysql'),
                           options=database.Options(mysql_sql_mode='TRADITIONAL'))
    with db.linked() as link:
        assert link.dbapi.__class__.__module__.startswith('dbmanage.dialects.mysql')
        cursor = link.dbapi.cursor()
        cursor.execute('SELECT @@SESSION.sql_mode')
        assert 'TRADITIONAL' in cursor.fetchone()[0].split(',')


def test_connection_recycle_time_replaces_pooled_connections(make_db):
    db = database.Database(make_db('postgresql'),
                           options=database.Options(connection_recycle_time=1))

    def backend_pid():
        with db.connected() as conn:
            return conn.execute(sa.text('SELECT pg_backend_pid()')).scalar()
    first = backend_pid()
    assert backend_pid() == first       # the pool keeps it
    time.sleep(1.2)
    assert backend_pid() != first
    db.dispose()


def test_connection_debug_logs_every_statement(cli, make_db):
    """The driver alone does not log statements: the URL goes through SQLAlchemy."""
    url = make_db('postgresql')
    assert cli.run('mistral', 'upgrade', 'head', url=url).returncode == 0
    proc = cli.run('mistral', 'current', database={'connection': url,
                                                   'connection_debug': 50})
    assert proc.returncode == 0, proc.stderr
    assert 'SELECT version_num FROM alembic_version' in proc.stderr


def test_max_retries_and_retry_interval_for_the_first_connection(cli):
    started = time.monotonic()
    proc = cli.run('mistral', 'upgrade', 'head', database={
        'connection': 'mysql+pymysql://root:hunter2@127.0.0.1:1/db',
        'max_retries': 2, 'retry_interval': 1})
    assert proc.returncode == 1
    assert time.monotonic() - started >= 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 3 and 'hunter2' not in proc.stderr
    assert 'trying again in 1 s (retry 1 of 2)' in lines[0]
    assert 'trying again in 1 s (retry 2 of 2)' in lines[1]
    assert lines[2].startswith('mistral-db-manage: error: cannot connect to the database')


class LateServer:
    """A port that starts relaying to the MySQL server ``delay`` seconds
    from now: a server that comes up while the program retries."""

    def __init__(self, delay):
        target = sa.engine.make_url(conftest.MYSQL_URL)
        self.target = (target.host, target.port or 3306)
        probe = socket.socket()
        probe.bind(('127.0.0.1', 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, args=(delay,), daemon=True).start()

    def _serve(self, delay):
        time.sleep(delay)
        listener = socket.create_server(('127.0.0.1', self.port))
        listener.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                client, _ = listener.accept()
            except socket.timeout:
                continue
            server = socket.create_connection(self.target)
            for one, other in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(one, other), daemon=True).start()
        listener.close()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                end.close()


def test_retries_reach_a_server_that_comes_up(cli, make_db):
    url = make_db('mysql')
    name = sa.engine.make_url(url).database
    late = LateServer(delay=1.5)
    try:
        proc = cli.run('mistral', 'upgrade', 'head', database={
            'connection': 'mysql+pymysql://root@127.0.0.1:%d/%s?charset=utf8mb4'
                          % (late.port, name),
            'max_retries': 10, 'retry_interval': 1})
    finally:
        late.stopped.set()
    assert proc.returncode == 0, proc.stderr
    assert 'trying again in 1 s (retry 1 of 10)' in proc.stderr
    assert conftest.rows(url, 'alembic_version', 'version_num') == [{'version_num': '045'}]


EVERY_OPTION = {
    'connection_parameters': 'connect_timeout=7', 'mysql_sql_mode': 'TRADITIONAL',
    'connection_recycle_time': 600, 'max_retries': 3, 'retry_interval': 2,
    'connection_debug': 0, 'pool_timeout': 20, 'max_pool_size': 5, 'max_overflow': 50,
    'mysql_wsrep_sync_wait': 0, 'sqlite_synchronous': 'false', 'backend': 'sqlalchemy',
    'slave_connection': 'mysql+pymysql://ro:secret@replica/db', 'synchronous_reader': 'true',
    'connection_trace': 'false', 'use_db_reconnect': 'false', 'db_retry_interval': 1,
    'db_inc_retry_interval': 'true', 'db_max_retry_interval': 10, 'db_max_retries': 20,
    'mysql_enable_ndb': 'false',
}


@pytest.mark.parametrize('server', ('mysql', 'postgresql', 'sqlite'))
def test_a_services_database_section_parses_and_migrates(cli, make_db, server):
    url = make_db(server)
    options = dict(EVERY_OPTION)
    if server != 'mysql':
        options['connection_parameters'] = '' if server == 'sqlite' else 'connect_timeout=7'
    proc = cli.run('mistral', 'upgrade', 'head', database={'connection': url, **options})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ''
    assert cli.run('mistral', 'current', database={'connection': url, **options}
                   ).stdout.strip() == '045 (head)'


def test_a_bad_value_is_one_line(cli, make_db):
    proc = cli.run('mistral', 'current', database={'connection': make_db('sqlite'),
                                                   'max_retries': 'often'})
    assert proc.returncode == 2
    assert proc.stderr == ("mistral-db-manage: error: invalid value of [database] max_retries: "
                           "invalid literal for int() with base 10: 'often'\n")
