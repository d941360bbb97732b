"""Both chains, on every backend: step by step, against the reference, offline."""
import re
import subprocess

import pytest

from tests import conftest
from tests import inprocess
from tests import servers

SERVICES = ('mistral', 'lbaas')


@pytest.mark.parametrize('service', SERVICES)
def test_walk_one_revision_at_a_time(service, db_url):
    chain = inprocess.run(service, db_url, 'history').history[::-1]
    for expected in chain:
        result = inprocess.run(service, db_url, 'upgrade', revision='+1')
        assert [a.revision for a in result.applied] == [expected['revision']]
        assert result.revision_after == [expected['revision']]
    with pytest.raises(AssertionError, match='only 0 revision'):
        inprocess.run(service, db_url, 'upgrade', revision='+1')


@pytest.mark.parametrize('fresh_install', ('chain', 'baseline'))
@pytest.mark.parametrize('service', SERVICES)
def test_head_schema_matches_upstream_reference(service, fresh_install, cli, make_db):
    url = make_db('mysql')
    code, result = cli.json(service, 'upgrade', 'head', url=url,
                            db_manage={'fresh_install': fresh_install})
    assert code == 0, result
    assert result['details']['fresh_install'] == fresh_install
    assert conftest.schema_dump(url) == conftest.REFERENCE[service].read_text()


def _apply_sql(url, sql):
    """Feed sql to the server's own client, as an operator applies --sql output."""
    argv, env = servers.sql_client(url)
    proc = subprocess.run(argv, input=sql, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.mark.parametrize('service', SERVICES)
@pytest.mark.parametrize('server', ('mysql', 'postgresql'))
def test_offline_sql_gives_the_online_schema(service, server, cli, make_db):
    online, offline = make_db(server), make_db(server)
    assert cli.run(service, 'upgrade', 'head', url=online).returncode == 0
    proc = cli.run(service, 'upgrade', 'head', '--sql', url=offline)
    assert proc.returncode == 0, proc.stderr
    _apply_sql(offline, proc.stdout)
    assert conftest.schema_dump(offline) == conftest.schema_dump(online)


@pytest.mark.parametrize('service', SERVICES)
def test_offline_range(service, cli, make_db):
    url = make_db('postgresql')
    chain = inprocess.run(service, url, 'history').history[::-1]
    middle = chain[len(chain) // 2]['revision']
    assert cli.run(service, 'upgrade', middle, url=url).returncode == 0
    proc = cli.run(service, 'upgrade', '%s:head' % middle, '--sql', url=url)
    assert proc.returncode == 0, proc.stderr
    _apply_sql(url, proc.stdout)
    assert inprocess.run(service, url, 'current').revision_after == [chain[-1]['revision']]


@pytest.mark.parametrize('service', SERVICES)
def test_models_agree_with_migrations(service, db_url):
    inprocess.run(service, db_url, 'upgrade', revision='head')
    result = inprocess.run(service, db_url, 'compare')
    assert result.details['differences'] == []


@pytest.mark.parametrize('service', SERVICES)
def test_mysql_index_changes_are_written_as_alter_table(service, cli):
    """A Galera node orders ALTER TABLE safely against replicated writes to
    the tables that reference the altered one, and CREATE INDEX not
    (tests/test_locks.py has the cluster that stalls); the offline SQL is
    what an operator feeds to such a node."""
    proc = cli.run(service, 'upgrade', 'head', '--sql',
                   url='mysql+pymysql://nobody@127.0.0.1:1/none')
    assert proc.returncode == 0, proc.stderr
    assert not re.search(r'^\s*(CREATE|DROP)\s+(\w+\s+)?INDEX\b', proc.stdout, re.M | re.I)
    if service == 'mistral':
        assert ('ALTER TABLE task_executions_v2 ADD INDEX '
                'task_executions_v2_workflow_execution_id_name (workflow_execution_id, name)'
                in proc.stdout)


def test_a_process_loads_each_revision_file_once(make_db, monkeypatch):
    """Once the chain is read, upgrades, stamps, offline SQL and plans run over
    it: no command loads a revision file again (a hundred modules each time)."""
    from alembic import util
    url = make_db('mysql')
    inprocess.run('mistral', url, 'upgrade', revision='010')
    loaded = []
    load = util.load_python_file

    def counted(dir_, filename):
        loaded.append(filename)
        return load(dir_, filename)
    monkeypatch.setattr(util, 'load_python_file', counted)
    inprocess.run('mistral', url, 'upgrade', revision='020')
    inprocess.run('mistral', url, 'upgrade', revision='030:040', sql=True)
    inprocess.run('mistral', url, 'plan')
    inprocess.run('mistral', url, 'upgrade', revision='head')
    inprocess.run('mistral', url, 'stamp', revision='head')
    assert [name for name in loaded if name != 'env.py'] == []
