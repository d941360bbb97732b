"""`plan` on databases part-way up each chain, with rows in the big tables."""
import datetime
import json
import uuid

import pytest
import sqlalchemy as sa

from tests import conftest
from tests.test_agent import agents, remote, secret_mysql, topics  # noqa: F401 (fixtures)

#: (service, revisions to plan from, tables that get rows when present)
CHAINS = {
    'mistral': (('001', '030', '040'),
                ('executions_v2', 'workflow_executions_v2', 'task_executions_v2',
                 'action_executions_v2', 'delayed_calls_v2')),
    'lbaas': (('35dee79d5865', '29ff921a6eb', 'f21ae3f21adc'),
              ('load_balancer', 'amphora', 'listener', 'pool', 'member')),
}
ROWS = 2000


def _value(column, i):
    type_ = column.type
    if isinstance(type_, sa.Boolean) or getattr(type_, 'display_width', None) == 1:
        return False     # MySQL reflects BOOL as TINYINT(1)
    if isinstance(type_, (sa.Integer, sa.Numeric)):
        return i + 1
    if isinstance(type_, (sa.DateTime, sa.Date)):
        return datetime.datetime(2024, 1, 1)
    if isinstance(type_, sa.String):
        text = '%x%s' % (i, uuid.uuid4().hex)
        return text[:type_.length] if type_.length else text
    return None


def fill(url, tables, rows=ROWS):
    """Insert ``rows`` rows into each empty one of ``tables``; NOT NULL foreign
    keys point at the shortest value of the referenced (seeded) table."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        meta = sa.MetaData()
        existing = set(sa.inspect(conn).get_table_names())
        for name in tables:
            if name not in existing:
                continue
            table = sa.Table(name, meta, autoload_with=conn)
            if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                continue
            filled = [c for c in table.columns if not c.nullable or c.primary_key]
            parents = {}
            for c in filled:
                for fk in c.foreign_keys:
                    parents[c.name] = conn.execute(sa.select(fk.column).order_by(
                        sa.func.length(fk.column)).limit(1)).scalar()
            if None in parents.values():
                continue
            conn.execute(table.insert(), [
                {c.name: parents[c.name] if c.name in parents else _value(c, i)
                 for c in filled} for i in range(rows)])
        analyze = {'mysql': 'ANALYZE TABLE %s', 'postgresql': 'ANALYZE %s'}.get(
            conn.dialect.name)
        for name in sorted(set(tables) & existing) if analyze else ():
            conn.execute(sa.text(analyze % name))
    engine.dispose()


@pytest.mark.parametrize('service', ['mistral', 'lbaas'])
def test_plan_lists_pending_work_and_costs(cli, make_db, backend, service):
    revisions, big = CHAINS[service]
    heads = cli.json(service, 'heads')[1]['heads']
    for start in revisions:
        db_url = make_db(backend)
        proc = cli.run(service, 'upgrade', start, url=db_url)
        assert proc.returncode == 0, proc.stderr
        fill(db_url, big)
        code, data = cli.json(service, 'plan', url=db_url)
        plan = data['details']['plan']
        assert data['revision_before'] == [start] and plan['to'] == heads[0]
        history = cli.json(service, 'history', '-r', '%s:head' % start, url=db_url)[1]
        pending = [e['revision'] for e in reversed(history['history'])][1:]
        assert [r['revision'] for r in plan['revisions']] == pending
        ops = [op for r in plan['revisions'] for op in r['operations']]
        assert ops and all(op['effect'] in ('additive', 'data', 'breaking') for op in ops)
        loaded = [t for t in plan['tables'] if t in big]
        assert loaded and all(plan['tables'][t]['rows'] > 0 for t in loaded)
        assert code == (8 if plan['blocking'] or plan['breaking'] or plan['failures'] else 0)
        if backend == 'mysql':
            assert all(op['algorithm'] in (None, 'INSTANT', 'NOCOPY', 'INPLACE', 'COPY')
                       for op in ops)
            assert not plan['failures']
        elif backend == 'postgresql':
            assert any(op['lock'] == 'ACCESS EXCLUSIVE' for op in ops)
        else:
            assert any(op['rebuild'] for op in ops)
    # The text form of the last plan: the same verdict and exit code.
    text = cli.run(service, 'plan', url=db_url)
    assert text.returncode == code and text.stderr == ''
    assert 'Summary: %s' % plan['verdict'] in text.stdout


def test_plan_names_the_copy_that_blocks_writes(cli, make_db):
    url = make_db('mysql')
    cli.run('mistral', 'upgrade', '040', url=url)
    fill(url, ['workflow_executions_v2'])
    proc = cli.run('mistral', 'plan', '041', url=url)
    assert proc.returncode == 8, proc.stderr
    lines = proc.stdout.splitlines()
    row = next(line for line in lines if line.startswith('041'))
    assert 'workflow_executions_v2' in row and 'COPY/SHARED WAIT' in row
    summary = next(line for line in lines if line.startswith('Summary: '))
    assert summary.startswith('Summary: blocks writes; writes wait: 041 alter_column '
                              'workflow_executions_v2')
    # Too small for online = auto: the online upgrade runs it as it is, too.
    assert lines[-1].startswith('Online (auto, tables from 20000 rows): ')
    # Stopping before the copy: everything pending is online-safe.
    cli.run('mistral', 'upgrade', '041', url=url)
    code, data = cli.json('mistral', 'plan', '043', url=url)
    assert code == 0 and data['details']['plan']['verdict'] == 'online-safe'
    cli.run('mistral', 'upgrade', 'head', url=url)
    code, data = cli.json('mistral', 'plan', url=url)
    assert code == 0 and data['details']['plan']['verdict'] == 'nothing pending'


def test_plan_bad_revision_is_usage_error(cli, make_db):
    url = make_db('postgresql')
    cli.run('mistral', 'upgrade', '010', url=url)
    proc = cli.run('mistral', 'plan', 'nosuch', url=url)
    assert proc.returncode == 2 and "unknown revision 'nosuch'" in proc.stderr
    proc = cli.run('mistral', 'plan', '005', url=url)
    assert proc.returncode == 2 and 'downgrade is not supported' in proc.stderr


NEW_UNIQUE_KEY = '''"""Make workflow execution names unique."""
from alembic import op

revision = '046'
down_revision = '045'


def upgrade():
    op.create_unique_constraint('uq_workflow_executions_v2_name',
                                'workflow_executions_v2', ['name'])
'''


NEW_NOT_NULL = '''"""Every workflow execution records its priority."""
from alembic import op
import sqlalchemy as sa

revision = '046'
down_revision = '045'


def upgrade():
    op.add_column('workflow_executions_v2',
                  sa.Column('priority', sa.Integer(), nullable=False))
'''


@pytest.mark.parametrize('backend', ['postgresql', 'sqlite'])
def test_plan_says_a_not_null_column_will_fail_on_rows(cli, make_db, chain_copy, backend):
    package, env = chain_copy
    (package / 'mistral' / 'versions' / '046_priority.py').write_text(NEW_NOT_NULL)
    url = make_db(backend)
    assert cli.run('mistral', 'upgrade', '045', url=url, env=env).returncode == 0
    code, data = cli.json('mistral', 'plan', url=url, env=env)
    assert code == 8 and data['details']['plan']['failures'] == []   # breaking, no rows
    fill(url, ['workflow_executions_v2'], rows=50)
    proc = cli.run('mistral', 'plan', url=url, env=env)
    assert proc.returncode == 8
    assert ('Will fail: 046 add_column workflow_executions_v2: NOT NULL column priority '
            'without a default on a table of 50 rows') in proc.stdout
    assert 'Summary: will fail at 046; breaks running code' in proc.stdout


def test_rehearsal_predicts_a_unique_key_existing_rows_violate(cli, make_db, chain_copy):
    package, env = chain_copy
    (package / 'mistral' / 'versions' / '046_unique_names.py').write_text(NEW_UNIQUE_KEY)
    url = make_db('mysql')
    assert cli.run('mistral', 'upgrade', '045', url=url, env=env).returncode == 0
    fill(url, ['workflow_executions_v2'], rows=500)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE workflow_executions_v2 SET name = 'same' LIMIT 2"))
    code, data = cli.json('mistral', 'plan', '--rehearse', url=url, env=env)
    rehearsal = data['details']['plan']['rehearsal']
    assert rehearsal['failure']['revision'] == '046'
    assert 'Duplicate entry' in rehearsal['failure']['error']
    assert rehearsal['live_checks'][0]['error'].startswith(
        "new unique key (name) is violated by existing rows, e.g. ('same',) occurs 2 times")
    assert rehearsal['sampled']['workflow_executions_v2'] == 500
    proc = cli.run('mistral', 'plan', '--rehearse', url=url, env=env)
    assert 'Rehearsal: WILL FAIL at 046: ' in proc.stdout
    # The live database is as it was, and the scratch database is gone.
    assert cli.json('mistral', 'current', url=url, env=env)[1]['revision_after'] == ['045']
    with engine.connect() as conn:
        scratch = sa.engine.make_url(url).database + '_rehearsal_'
        assert not [d for d in conn.execute(sa.text('SHOW DATABASES')).scalars()
                    if d.startswith(scratch)]
    engine.dispose()


def test_rehearsal_says_when_it_may_not_create_a_database(cli, make_db):
    url = make_db('mysql')
    name = sa.engine.make_url(url).database
    user = 'dbm_plan_%s' % uuid.uuid4().hex[:8]
    admin = sa.create_engine(conftest.MYSQL_URL + '/mysql', poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text("CREATE USER '%s'@'%%' IDENTIFIED BY 'Plan-pw-1'" % user))
        conn.execute(sa.text("GRANT ALL ON `%s`.* TO '%s'@'%%'" % (name, user)))
    try:
        limited = sa.engine.make_url(url).set(username=user, password='Plan-pw-1')
        limited = limited.render_as_string(hide_password=False)
        cli.run('mistral', 'upgrade', '040', url=limited)
        proc = cli.run('mistral', 'plan', '--rehearse', url=limited)
        assert ('Rehearsal: cannot create a scratch database on this server' in proc.stdout
                and 'plus creating a database' in proc.stdout)
        assert 'Plan-pw-1' not in proc.stdout + proc.stderr
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text("DROP USER '%s'@'%%'" % user))
        admin.dispose()


def test_plan_through_the_agent(agents, remote, secret_mysql):  # noqa: F811 (fixtures)
    from tests.test_agent import PASSWORD
    agents(secret_mysql)
    assert remote('mistral', 'upgrade', '030').returncode == 0
    name = sa.engine.make_url(secret_mysql).database
    fill('%s/%s?charset=utf8mb4' % (conftest.MYSQL_URL, name), ['workflow_executions_v2'])
    proc = remote('mistral', '--json', 'plan', '--rehearse')
    data = json.loads(proc.stdout)
    plan = data['details']['plan']
    assert proc.returncode == data['exit_code'] == 8
    assert plan['revisions'][0]['revision'] == '031' and plan['to'] == '045'
    assert plan['blocking'][0]['table'] == 'workflow_executions_v2'
    # The agent's account may not create databases: said, with no secret in it.
    assert 'plus creating a database' in plan['rehearsal']['error']
    assert PASSWORD not in proc.stdout + proc.stderr
    assert remote('mistral', 'plan', '031').returncode == 0
