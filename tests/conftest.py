"""Fixtures that give each test its own real database, config file and CLI.

Service addresses come from the environment; for each DBMANAGE_TEST_*_URL
that is not set, the run starts a private server (``tests/servers.py``,
docs/testing.md). A service that is down fails the run: CI must never pass
by skipping.
"""
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import uuid
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests import schemadump
from tests import servers

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / 'tests' / 'data'
BIN = pathlib.Path(sys.executable).parent

# Outside pytest (bench/, tests.faults) the defaults are this machine's services.
MYSQL_URL = os.environ.get('DBMANAGE_TEST_MYSQL_URL', 'mysql+pymysql://root@127.0.0.1:3306')
PG_URL = os.environ.get('DBMANAGE_TEST_PG_URL', 'postgresql+psycopg2://postgres@127.0.0.1:5432')
RABBIT_URL = os.environ.get('DBMANAGE_TEST_RABBIT_URL', 'rabbit://guest:guest@127.0.0.1:5672/')

BACKENDS = ('mysql', 'postgresql', 'sqlite')
_private = None


def pytest_configure(config):
    """Starts the servers the environment does not name, once: in the process
    that runs the session (with pytest-xdist, the controller; its workers
    start later and inherit the exported variables)."""
    global _private, MYSQL_URL, PG_URL, RABBIT_URL
    if not hasattr(config, 'workerinput') and not config.option.collectonly:
        try:
            _private = servers.start_missing()
        except servers.StartError as error:
            raise pytest.UsageError('the test servers did not start: %s' % error) from None
        if _private:
            sys.stderr.write(_private.summary() + '\n')
    MYSQL_URL = os.environ.get('DBMANAGE_TEST_MYSQL_URL', MYSQL_URL)
    PG_URL = os.environ.get('DBMANAGE_TEST_PG_URL', PG_URL)
    RABBIT_URL = os.environ.get('DBMANAGE_TEST_RABBIT_URL', RABBIT_URL)


def pytest_unconfigure(config):
    if _private:
        _private.stop()


@pytest.fixture(scope='session', autouse=True)
def _chain_index_of_this_run(tmp_path_factory):
    """The chain index (``chain.py``) goes to a folder of the run, not to the
    user's cache; programs the tests start inherit it."""
    os.environ['XDG_CACHE_HOME'] = str(tmp_path_factory.mktemp('cache'))
# Schema dumps of databases the upstream tools migrated to head on MariaDB.
REFERENCE = {'mistral': DATA / 'mistral_mysql_head.json',
             'lbaas': DATA / 'octavia_mysql_head.json'}


def _server_url(backend):
    return MYSQL_URL if backend == 'mysql' else PG_URL


def _admin(backend):
    url = _server_url(backend) + ('/mysql' if backend == 'mysql' else '/postgres')
    return sa.create_engine(url, isolation_level='AUTOCOMMIT', poolclass=sa.pool.NullPool)


def create_database(backend, tmp_path):
    """A new empty database; returns (url, drop)."""
    name = 'dbm_%s' % uuid.uuid4().hex[:12]
    if backend == 'sqlite':
        return 'sqlite:///%s' % (tmp_path / (name + '.sqlite')), lambda: None
    engine = _admin(backend)
    with engine.connect() as conn:
        if backend == 'mysql':
            conn.execute(sa.text('CREATE DATABASE %s CHARACTER SET utf8mb4' % name))
            url = '%s/%s?charset=utf8mb4' % (MYSQL_URL, name)
        else:
            conn.execute(sa.text('CREATE DATABASE %s' % name))
            url = '%s/%s' % (PG_URL, name)

    def drop():
        with engine.connect() as conn:
            if backend == 'postgresql':
                conn.execute(sa.text(
                    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
                    'WHERE datname = :n AND pid <> pg_backend_pid()'), {'n': name})
            conn.execute(sa.text('DROP DATABASE IF EXISTS %s' % name))
        engine.dispose()
    return url, drop


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def make_db(tmp_path):
    drops = []

    def make(backend):
        url, drop = create_database(backend, tmp_path)
        drops.append(drop)
        return url
    yield make
    for drop in drops:
        drop()


@pytest.fixture
def db_url(backend, make_db):
    return make_db(backend)


def create_mysql_user(database_url, user, password):
    """A MariaDB user with every right on database_url's database; returns drop().

    The password is given as its mysql_native_password hash of the bytes
    PyMySQL sends (latin-1), so any shape of password needs no SQL quoting.
    """
    name = sa.engine.make_url(database_url).database
    digest = hashlib.sha1(hashlib.sha1(password.encode('latin-1')).digest()).hexdigest()
    admin = sa.create_engine(MYSQL_URL + '/mysql', poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text("CREATE USER '%s'@'%%' IDENTIFIED BY PASSWORD '*%s'"
                             % (user, digest.upper())))
        conn.execute(sa.text("GRANT ALL ON %s.* TO '%s'@'%%'" % (name, user)))

    def drop():
        with admin.begin() as conn:
            conn.execute(sa.text("DROP USER IF EXISTS '%s'@'%%'" % user))
        admin.dispose()
    return drop


def login_url(database_url, user, password, encoded=True):
    """database_url (as root) with user and password; the password raw or
    percent-encoded, as an operator may write it."""
    return database_url.replace('root@', '%s:%s@' % (
        user, quote(password, safe='') if encoded else password), 1)


def password_forms(password):
    """Every way a password could show in text: raw, percent-encoded, and
    both as JSON strings carry them (non-ASCII escaped, quotes escaped)."""
    forms = {password, quote(password, safe=''), quote(password)}
    return forms | {json.dumps(form)[1:-1] for form in forms}


@pytest.fixture
def mysql_user():
    """create_mysql_user, dropped after the test."""
    drops = []

    def make(database_url, user, password):
        drops.append(create_mysql_user(database_url, user, password))
    yield make
    for drop in drops:
        drop()


def write_config(path, url=None, **sections):
    lines = []
    if url:
        lines += ['[database]', 'connection = %s' % url]
    for section, values in sections.items():
        lines.append('[%s]' % section)
        lines += ['%s = %s' % kv for kv in values.items()]
    path.write_text('\n'.join(lines) + '\n')
    return path


class CLI:
    """Runs a console program of the project as an operator would."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path

    def run(self, service, *args, url=None, conf=None, timeout=300, env=None, **sections):
        argv = [str(BIN / ('%s-db-manage' % service))]
        if conf is None and (url or sections):
            conf = write_config(self.tmp_path / ('%s.conf' % uuid.uuid4().hex[:8]), url, **sections)
        if conf is not None:
            argv += ['--config-file', str(conf)]
        argv += [str(a) for a in args]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              cwd=self.tmp_path, env={**os.environ, **(env or {})})
        return proc

    def json(self, service, *args, **kwargs):
        proc = self.run(service, '--json', *args, **kwargs)
        assert proc.stdout.strip(), proc.stderr
        return proc.returncode, json.loads(proc.stdout)


@pytest.fixture
def cli(tmp_path):
    return CLI(tmp_path)


@pytest.fixture
def chain_copy(tmp_path):
    """A private copy of the migrations package, put first on PYTHONPATH.

    Tests that add revision files work on it, so no other test ever sees them.
    Returns (package folder, env for CLI.run).
    """
    import shutil
    copy = tmp_path / 'pkg'
    shutil.copytree(ROOT / 'alembic_migrations', copy / 'alembic_migrations',
                    ignore=shutil.ignore_patterns('__pycache__'))
    return copy / 'alembic_migrations', {'PYTHONPATH': str(copy)}


def schema_dump(url):
    """The normalised schema dump of url, as JSON text (the REFERENCE format)."""
    return schemadump.dumps(url)


def rows(url, table, order_by):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        result = conn.execute(sa.text('SELECT * FROM %s ORDER BY %s' % (table, order_by)))
        data = [dict(r._mapping) for r in result]
    engine.dispose()
    return data


# -- a 3-node Galera cluster ---------------------------------------------------

GALERA_SH = ROOT / 'tests' / 'tools' / 'galera.sh'
GALERA_PORT = int(os.environ.get('DBMANAGE_TEST_GALERA_PORT', '3320'))
#: The Galera tests share one cluster that ``tests/tools/galera.sh`` starts
#: for the session (and stops at the end, unless it was already up); with
#: ``pytest -n`` they run in one xdist group (``--dist loadgroup``).
galera_group = pytest.mark.xdist_group('galera')


class Cluster:
    def __init__(self, env):
        self.env = env

    def url(self, node, database):
        return 'mysql+pymysql://root@127.0.0.1:%d/%s?charset=utf8mb4' % (
            GALERA_PORT + node, database)

    def datadir(self, node) -> pathlib.Path:
        return pathlib.Path(self.env['GALERA_BASE']) / ('node%d' % node) / 'data'

    def synced_url(self, node, database):
        """A URL whose reads wait until the node has applied what the cluster
        committed: checks read a node other than the one that migrated."""
        return self.url(node, database) + '&init_command=SET%20SESSION%20wsrep_sync_wait%3D15'

    def sh(self, *args, faketime=None):
        """Run galera.sh; ``faketime`` (``+1h``) starts nodes with a skewed clock."""
        env = dict(self.env, GALERA_FAKETIME=faketime) if faketime else self.env
        subprocess.run([str(GALERA_SH), *args], env=env, check=True,
                       timeout=600, capture_output=True, text=True)

    def whole(self):
        """Wait until every node is synced in one and the same view of the
        cluster (``galera.sh wait``): a node another test stopped or froze may
        still be rejoining, and a run that cannot reach every node takes
        another path."""
        done = subprocess.run([str(GALERA_SH), 'wait'], env=dict(self.env, GALERA_TIMEOUT='120'),
                              timeout=600, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

    def create_database(self):
        self.whole()
        name = 'dbm_%s' % uuid.uuid4().hex[:12]
        self.admin(1, 'CREATE DATABASE %s CHARACTER SET utf8mb4' % name)
        return name

    def read(self, node, statement):
        """What statement reads on node once the node has applied what the
        cluster committed before it: the node that ran a DDL statement in
        total order does not wait for the others to run it. (A read of what
        runs now goes through ``admin``: it would wait for that.)"""
        return self.admin(node, statement, synced=True)

    def admin(self, node, statement, synced=False):
        engine = sa.create_engine(self.url(node, 'mysql'), poolclass=sa.pool.NullPool,
                                  isolation_level='AUTOCOMMIT')
        with engine.connect() as conn:
            if synced:
                # 8 for SHOW statements, which 1 (reads) leaves out.
                conn.exec_driver_sql('SET SESSION wsrep_sync_wait = 15')
            rows = conn.execute(sa.text(statement))
            found = rows.fetchall() if rows.returns_rows else None
        engine.dispose()
        return found


@pytest.fixture(scope='session')
def galera():
    base = os.environ.get('DBMANAGE_TEST_GALERA_BASE')
    own = base is None
    if own:
        base = tempfile.mkdtemp(prefix='dbmanage-galera-')
        os.chmod(base, 0o755)  # the nodes run as the mysql user
    cluster = Cluster({**os.environ, 'GALERA_BASE': base,
                       'GALERA_PORT': str(GALERA_PORT)})
    status = subprocess.run([str(GALERA_SH), 'status'], env=cluster.env,
                            capture_output=True, text=True).stdout
    running = 'not running' not in status
    cluster.sh('start')
    yield cluster
    if not running:
        cluster.sh('stop')
    if own:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def galera_db(galera):
    names = []

    def make():
        names.append(galera.create_database())
        return names[-1]
    yield make
    for name in names:
        galera.admin(1, 'DROP DATABASE IF EXISTS %s' % name)
