"""What an install brings and what a missing piece says.

The base install runs the embedded SQLite default; each database driver and
lock back-end is an extra, and a missing one is named, with its extra, in
one line. Absent modules are simulated in the programs' own processes: a
``sitecustomize`` on their path blocks the imports.
"""
import ast
import configparser
import re
import subprocess
import sys
import tarfile
from importlib import metadata

import pytest
import sqlalchemy as sa

from tests import conftest

PACKAGES = ('dbmanage', 'dbmanage_agent', 'dbmanage_cli', 'alembic_migrations')
OPTIONAL = ('pymysql', 'psycopg2', 'psycopg', 'redis', 'etcd3gw')


@pytest.fixture
def without(tmp_path):
    """env for CLI.run in which the given modules cannot be imported."""
    def env(*modules):
        folder = tmp_path / 'blocked'
        folder.mkdir(exist_ok=True)
        (folder / 'sitecustomize.py').write_text(
            'import sys\nfor name in %r:\n    sys.modules[name] = None\n' % (modules,))
        return {'PYTHONPATH': str(folder)}
    return env


def test_the_base_install_runs_the_embedded_default(cli, without):
    env = without(*OPTIONAL)
    proc = cli.run('mistral', 'upgrade', 'head', env=env)
    assert proc.returncode == 0, proc.stderr
    assert cli.run('mistral', 'current', env=env).stdout.strip() == '045 (head)'


@pytest.mark.parametrize('server, module, extra', [
    ('mysql', 'pymysql', 'mysql'), ('postgresql', 'psycopg2', 'postgresql')])
@pytest.mark.parametrize('command', [
    ('current',),                       # the driver alone
    ('upgrade', 'head'),                # SQLAlchemy (statements logged)
])
def test_a_missing_driver_names_its_extra(cli, make_db, without, server, module, extra,
                                          command):
    url = make_db(server)
    title = {'mysql': 'MySQL/MariaDB', 'postgresql': 'PostgreSQL'}[server]
    debug = {'connection_debug': 50} if command[0] == 'upgrade' else {}
    proc = cli.run('mistral', *command, database={'connection': url, **debug},
                   env=without(module))
    assert proc.returncode == 2
    assert proc.stderr == ("mistral-db-manage: error: the %s driver %s is not installed: "
                           "pip install 'dbmanage[%s]'\n" % (title, module, extra))
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()


def test_offline_sql_needs_no_driver(cli, make_db, without):
    proc = cli.run('mistral', 'upgrade', 'head', '--sql', url=make_db('mysql'),
                   env=without('pymysql'))
    assert proc.returncode == 0, proc.stderr
    assert 'CREATE TABLE' in proc.stdout


@pytest.mark.parametrize('backend_url, module, extra', [
    ('redis://127.0.0.1:1', 'redis', 'redis'),
    ('etcd3+http://127.0.0.1:1?api_version=v3', 'etcd3gw', 'etcd'),
])
def test_a_lock_back_end_without_its_module_names_its_extra(cli, make_db, without, backend_url,
                                                           module, extra):
    proc = cli.run('mistral', 'upgrade', '+1', url=make_db('sqlite'),
                   coordination={'backend_url': backend_url}, env=without(module))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        'mistral-db-manage: [coordination] backend_url is not used for the migration lock: ')
    assert "needs the Python module %r, which is not installed (pip install 'dbmanage[%s]')" % (
        module, extra) in lines[0]


# -- the declared requirements --------------------------------------------------------

def _requirements():
    """{extra or '': [requirement lines]} of setup.cfg."""
    parsed = configparser.ConfigParser()
    parsed.read(conftest.ROOT / 'setup.cfg')
    lines = lambda text: [x.strip() for x in text.splitlines()  # noqa: E731
                          if x.strip() and not x.strip().startswith('#')]
    found = {'': lines(parsed['options']['install_requires'])}
    for extra, text in parsed['options.extras_require'].items():
        found[extra] = lines(text)
    return found


def _name(requirement):
    return re.split(r'[\s<>=!~;\[]', requirement, maxsplit=1)[0].lower().replace('_', '-')


def test_extras_of_the_drivers_and_lock_back_ends():
    found = _requirements()
    assert {_name(r) for r in found['']}.isdisjoint(
        {'pymysql', 'psycopg2', 'psycopg2-binary', 'redis', 'etcd3gw'})
    assert found['mysql'] == ['PyMySQL>=1.0']
    assert found['postgresql'] == ['psycopg2>=2.9']
    assert found['redis'] == ['tooz[redis]>=6.0'] and found['etcd'] == ['tooz[etcd3gw]>=6.0']
    assert 'inotify_simple>=1.3; sys_platform == "linux"' in found['']
    # the tests install nothing that compiles, and never both psycopg2 packages
    assert 'psycopg2-binary>=2.9' in found['test'] and 'psycopg2>=2.9' not in found['test']
    assert not any('postgresql' in r for r in found['test'])


def _imported_distributions():
    """The distributions of every third-party module the packages import."""
    own = set(PACKAGES)
    modules = set()
    for package in PACKAGES:
        for path in (conftest.ROOT / package).rglob('*.py'):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    modules |= {a.name.split('.')[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    modules.add(node.module.split('.')[0])
    modules -= own | set(sys.stdlib_module_names)
    owners = metadata.packages_distributions()
    return {module: {d.lower().replace('_', '-') for d in owners.get(module, ())}
            for module in modules}


def test_every_imported_module_is_declared():
    declared = {_name(r) for lines in _requirements().values() for r in lines}
    declared |= {'tooz'}          # tooz[redis], tooz[etcd3gw]
    undeclared = {module: owners for module, owners in _imported_distributions().items()
                  if not owners & declared}
    assert undeclared == {}


# -- the source distribution --------------------------------------------------------

def test_the_sdist_holds_the_tests_their_data_and_the_deployment_files(tmp_path):
    proc = subprocess.run([sys.executable, '-m', 'build', '--sdist', '--no-isolation',
                           '--outdir', str(tmp_path), str(conftest.ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    sdist, = tmp_path.glob('dbmanage-*.tar.gz')
    with tarfile.open(sdist) as tar:
        names = {name.split('/', 1)[1] for name in tar.getnames() if '/' in name}
    wanted = {'tox.ini', 'MANIFEST.in', 'Dockerfile', 'etc/dbmanage.conf.sample',
              'etc/dbmanage-agent.service', 'etc/dbmanage.sysusers',
              'tests/data/upstream_cli_options.json', 'tests/data/README.md',
              'tests/tools/galera.sh', 'tools/cli_options.py', 'docs/deployment.md',
              'deploy/kubernetes/upgrade-job.yaml', '.ci/run'}
    assert wanted - names == set()
    assert {n for n in names if n.startswith('tests/data/')} >= {
        'tests/data/' + p.name for p in conftest.DATA.iterdir()}
    assert not [n for n in names if '__pycache__' in n or n.endswith('.pyc')]
