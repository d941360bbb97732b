"""Fresh installs from the baseline are identical to replaying the chain."""
import datetime
import json
import subprocess
import sys
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from dbmanage.migrate import baseline
from dbmanage import chain
from dbmanage.db import driver
from dbmanage import locks
from dbmanage import commands
from dbmanage import services
from tests import conftest
from tests import inprocess

SERVICES = ('mistral', 'lbaas')


def _upgrade(service, url, fresh_install='baseline'):
    result = commands.execute(inprocess.context(service, url, fresh_install=fresh_install),
                                'upgrade', {'revision': 'head'})
    assert result.ok, result.error
    return result


def _stamped_now(value):
    """The install time the chain (or the baseline) stamped: UTC or local."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value[:19])
        except ValueError:
            return False
    if not isinstance(value, datetime.datetime):
        return False
    now = datetime.datetime.now()
    return any(abs(value.replace(tzinfo=None) - t) < datetime.timedelta(minutes=10)
               for t in (now, datetime.datetime.utcnow()))


def _all_rows(url):
    """Every row of every table; install-time stamps as 'NOW'."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        found = {}
        for table in sorted(sa.inspect(conn).get_table_names()):
            rows = conn.execute(sa.text('SELECT * FROM %s' % table)).fetchall()
            found[table] = sorted(repr(tuple('NOW' if _stamped_now(v) else v for v in row))
                                  for row in rows)
    engine.dispose()
    return found


@pytest.mark.parametrize('service', SERVICES)
def test_baseline_gives_the_chains_schema_and_rows(service, backend, make_db):
    fast, replayed = make_db(backend), make_db(backend)
    result = _upgrade(service, fast)
    assert result.details['fresh_install'] == 'baseline'
    chain = _upgrade(service, replayed, fresh_install='chain')
    assert chain.details['fresh_install'] == 'chain'
    assert [a.revision for a in result.applied] == [a.revision for a in chain.applied]
    assert result.revision_after == chain.revision_after
    assert conftest.schema_dump(fast) == conftest.schema_dump(replayed)
    rows = _all_rows(fast)
    assert rows == _all_rows(replayed)
    assert any('NOW' in r for table in rows.values() for r in table), 'seeded stamps'
    again = _upgrade(service, fast)
    assert again.applied == [] and 'fresh_install' not in again.details


def test_a_database_with_tables_replays_the_chain(make_db):
    url = make_db('postgresql')
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text('CREATE TABLE unrelated (id INTEGER)'))
    engine.dispose()
    assert _upgrade('mistral', url).details['fresh_install'] == 'chain'


# A revision after the baselines' head.
_REVISION_046 = ('"""More."""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
                 'revision = "046"\ndown_revision = "045"\n\n\ndef upgrade():\n'
                 '    op.create_table("more", sa.Column("id", sa.Integer, primary_key=True))\n')


def test_a_baseline_made_at_another_head_is_ignored(cli, make_db, chain_copy):
    package, env = chain_copy
    (package / 'mistral' / 'versions' / '046_more.py').write_text(_REVISION_046)
    url = make_db('sqlite')
    code, data = cli.json('mistral', 'upgrade', 'head', url=url, env=env)
    assert code == 0 and data['details']['fresh_install'] == 'chain'
    assert data['revision_after'] == ['046'] and len(data['applied']) == 46


# The marker as this version writes it, and as earlier ones did.
_MARKERS = {'recorded head': baseline.marker('045'),
            'older form': 'CREATE TABLE `%s` (started DATETIME)' % baseline.MARKER}


def _interrupt(url, count, marker='recorded head'):
    """Run the first ``count`` statements of the MySQL baseline, as a crash would leave it."""
    statements = baseline.read(services.get('mistral'), 'mysql')
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute(_MARKERS[marker])
        for statement in statements[:count]:
            cursor.execute(statement)
        conn.connection.driver_connection.commit()
    engine.dispose()


@pytest.mark.parametrize('marker', sorted(_MARKERS))
@pytest.mark.parametrize('done', (12, 'all'))
def test_an_interrupted_mysql_baseline_is_recovered(make_db, done, marker):
    interrupted, replayed = make_db('mysql'), make_db('mysql')
    statements = baseline.read(services.get('mistral'), 'mysql')
    _interrupt(interrupted, len(statements) if done == 'all' else done, marker)
    result = _upgrade('mistral', interrupted)
    assert result.ok and result.revision_after == ['045']
    _upgrade('mistral', replayed, fresh_install='chain')
    assert conftest.schema_dump(interrupted) == conftest.schema_dump(replayed)
    assert _all_rows(interrupted) == _all_rows(replayed)


def test_a_baseline_of_an_edited_chain_is_ignored(cli, make_db, chain_copy):
    package, env = chain_copy
    edited = package / 'mistral' / 'versions' / '045_add_scheduled_jobs_indexes.py'
    edited.write_text(edited.read_text() + '\n# edited after the baseline was made\n')
    code, data = cli.json('mistral', 'upgrade', 'head', url=make_db('sqlite'), env=env)
    assert code == 0 and data['details']['fresh_install'] == 'chain'


SHOW_IMPORTS = '''
import json, sys
from dbmanage_cli import main
code = main.run(sys.argv[1], sys.argv[2:])
# oslo.db's option declarations are the [database] options (no SQLAlchemy).
print(json.dumps([code, sorted({m.split('.')[0]
                                for m in set(sys.modules) - {'oslo_db', 'oslo_db.options'}}
                               & {'alembic', 'sqlalchemy', 'oslo_db'})]))
'''


@pytest.mark.parametrize('service', SERVICES)
def test_a_fresh_install_from_the_baseline_loads_neither_sqlalchemy_nor_alembic(
        service, backend, make_db, tmp_path):
    conf = conftest.write_config(tmp_path / 'c.conf', make_db(backend))
    argv = [sys.executable, '-c', SHOW_IMPORTS, service, '--config-file', str(conf)]
    proc = subprocess.run(argv + ['--json', 'upgrade', 'head'], capture_output=True,
                          text=True, cwd=tmp_path)
    *output, last = proc.stdout.strip().splitlines()
    data = json.loads('\n'.join(output))
    assert json.loads(last) == [0, []], proc.stderr
    assert data['details']['fresh_install'] == 'baseline'
    heads = [r.revision for r in chain.load(services.get(service)).ordered]
    assert [a['revision'] for a in data['applied']] == heads[::-1]
    assert data['revision_before'] == [] and data['revision_after'] == data['heads'] == heads[:1]
    # A database that is not empty loads Alembic, and replays nothing more.
    proc = subprocess.run(argv + ['upgrade', 'head'], capture_output=True, text=True, cwd=tmp_path)
    code, loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert code == 0 and 'alembic' in loaded, proc.stderr


def test_a_fresh_install_that_loses_its_connection_is_retried(make_db, caplog):
    """The driver's own connection: its errors are classified and retried
    like the engine's. The fault: the server kills the connection while it
    waits for the migration lock."""
    url = make_db('mysql')
    ctx = inprocess.context('mistral', url, lock_timeout=60)
    done = []
    with ctx.database.linked() as link, locks.held(ctx.lock_settings(), link, 'req-test-holder'):
        runner = threading.Thread(target=lambda: done.append(commands.execute(
            inprocess.context('mistral', url, lock_timeout=60), 'upgrade',
            {'revision': 'head'})))
        runner.start()
        waiting = _wait_for(lambda: driver.query(link.dbapi, (
            "SELECT ID FROM information_schema.PROCESSLIST WHERE STATE = 'User lock' "
            "AND INFO LIKE 'SELECT GET_LOCK%'")))
        driver.execute(link.dbapi, 'KILL %d' % waiting[0][0])
        # The run connects again and waits for the lock once more.
        _wait_for(lambda: driver.query(link.dbapi, (
            "SELECT ID FROM information_schema.PROCESSLIST WHERE STATE = 'User lock' "
            "AND ID <> %d" % waiting[0][0])))
    runner.join(60)
    result = done[0]
    assert result.ok, result.error
    assert result.details['fresh_install'] == 'baseline'
    assert result.revision_after == ['045']
    assert any('transient database error (attempt 1)' in r.getMessage()
               for r in caplog.records)


def _wait_for(found, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = found()
        if rows:
            return rows
        time.sleep(0.05)
    raise AssertionError('not seen within %d s' % timeout)


# -- MySQL: the database's character set --------------------------------------

_CHARSETS = {'utf8mb3': 'CHARACTER SET utf8mb3',
             'utf8mb4_general_ci': 'CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci',
             'utf8mb4_unicode_ci': 'CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci'}
# A table of each service's own that a later revision may point a key at.
_REFERRED = {'mistral': 'workflow_executions_v2', 'lbaas': 'load_balancer'}


def _collations(url):
    """Per table its collation, per column its character set and collation
    (the schema dump reads neither)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        tables = conn.execute(sa.text(
            'SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES '
            'WHERE TABLE_SCHEMA = DATABASE()')).fetchall()
        columns = conn.execute(sa.text(
            'SELECT TABLE_NAME, COLUMN_NAME, CHARACTER_SET_NAME, COLLATION_NAME '
            'FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()')).fetchall()
    engine.dispose()
    return sorted(map(tuple, tables)), sorted(map(tuple, columns))


def _mysql_db(make_db, charset):
    url = make_db('mysql')
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text('ALTER DATABASE %s %s' % (url.rsplit('/', 1)[1].split('?')[0],
                                                       _CHARSETS[charset])))
    engine.dispose()
    return url


@pytest.mark.parametrize('charset', sorted(_CHARSETS))
@pytest.mark.parametrize('service', SERVICES)
def test_a_mysql_baseline_takes_the_databases_character_set(service, charset, make_db):
    fast, replayed = _mysql_db(make_db, charset), _mysql_db(make_db, charset)
    assert _upgrade(service, fast).details['fresh_install'] == 'baseline'
    _upgrade(service, replayed, fresh_install='chain')
    tables, columns = _collations(fast)
    assert (tables, columns) == _collations(replayed)
    assert {collation for _, collation in tables} == {
        _CHARSETS[charset].split()[-1] if 'COLLATE' in _CHARSETS[charset] else 'utf8mb3_general_ci'}
    assert conftest.schema_dump(fast) == conftest.schema_dump(replayed)
    assert _all_rows(fast) == _all_rows(replayed)
    # A table the next revision adds takes the same default, and its keys
    # must match the referred column's character set (else errno 150).
    engine = sa.create_engine(fast, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text(
            'CREATE TABLE later (id INTEGER PRIMARY KEY, owner VARCHAR(36), '
            'FOREIGN KEY (owner) REFERENCES %s (id))' % _REFERRED[service]))
    engine.dispose()


# -- MySQL: a marker left behind by a baseline that finished ------------------

@pytest.mark.parametrize('marker', sorted(_MARKERS))
def test_a_marker_left_after_the_version_row_keeps_the_data(cli, make_db, chain_copy, marker):
    """Killed between its version row and dropping the marker, the install
    is complete: the service may run on it for months before a package
    brings a new revision, whose upgrade must keep every row."""
    url = make_db('mysql')
    _upgrade('mistral', url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(_MARKERS[marker])
        conn.execute(sa.text(
            "INSERT INTO environments_v2 (id, name, variables, scope) "
            "VALUES ('e1', 'production', '{}', 'private')"))
    engine.dispose()
    package, env = chain_copy
    (package / 'mistral' / 'versions' / '046_more.py').write_text(_REVISION_046)
    code, data = cli.json('mistral', 'upgrade', 'head', url=url, env=env)
    assert code == 0, data
    assert [a['revision'] for a in data['applied']] == ['046']
    assert data['revision_after'] == ['046']
    assert [r['name'] for r in conftest.rows(url, 'environments_v2', 'id')] == ['production']
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    assert baseline.MARKER not in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_a_marker_of_another_head_than_the_version_row_stops_the_run(make_db):
    """Something else wrote that version row: neither the tables nor the
    marker are the run's to drop."""
    url = make_db('mysql')
    _upgrade('mistral', url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(baseline.marker('044'))
    engine.dispose()
    before = conftest.schema_dump(url), _all_rows(url)
    result = commands.execute(inprocess.context('mistral', url), 'upgrade',
                                {'revision': 'head'})
    assert not result.ok and result.exit_code == 1
    assert 'interrupted' in result.error and '\n' not in result.error
    assert (conftest.schema_dump(url), _all_rows(url)) == before


# -- PostgreSQL: the role's schema --------------------------------------------

@pytest.fixture
def own_schema(tmp_path):
    """Makes (url, database name) of new databases where a new role owns a
    schema ``app`` and has ``search_path = app``; drops them all, then the role."""
    role = 'dbm_role_%s' % uuid.uuid4().hex[:8]
    admin = sa.create_engine(conftest.PG_URL + '/postgres', isolation_level='AUTOCOMMIT',
                             poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text('CREATE ROLE %s LOGIN' % role))
        conn.execute(sa.text('ALTER ROLE %s SET search_path = app' % role))
    drops = []

    def make():
        url, drop = conftest.create_database('postgresql', tmp_path)
        drops.append(drop)
        engine = sa.create_engine(url, isolation_level='AUTOCOMMIT', poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            conn.execute(sa.text('CREATE SCHEMA app AUTHORIZATION %s' % role))
        engine.dispose()
        return url.replace('//postgres@', '//%s@' % role)
    yield make
    for drop in drops:
        drop()
    with admin.connect() as conn:
        conn.execute(sa.text('DROP ROLE %s' % role))
    admin.dispose()


def _tables_by_schema(url):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        found = conn.execute(sa.text(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN "
            "('pg_catalog', 'information_schema') ORDER BY 1, 2")).fetchall()
    engine.dispose()
    return [tuple(row) for row in found]


@pytest.mark.parametrize('service', SERVICES)
def test_a_postgresql_baseline_installs_in_the_roles_schema(service, own_schema):
    fast, replayed = own_schema(), own_schema()
    assert _upgrade(service, fast).details['fresh_install'] == 'baseline'
    _upgrade(service, replayed, fresh_install='chain')
    tables = _tables_by_schema(fast)
    assert tables == _tables_by_schema(replayed)
    assert {schema for schema, _ in tables} == {'app'}
    assert conftest.schema_dump(fast) == conftest.schema_dump(replayed)
    assert _all_rows(fast) == _all_rows(replayed)
    current = commands.execute(inprocess.context(service, fast), 'current')
    assert current.ok and current.revision_after == current.heads, current.error
