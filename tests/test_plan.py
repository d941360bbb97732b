"""`plan` on databases part-way up each chain, with rows in the big tables."""
import datetime
import json
import uuid

import pytest
import sqlalchemy as sa

from tests import conftest

#: (service, revisions to plan from, tables that get rows when present)
CHAINS = {
    'mistral': (('001', '030', '040'),
                ('executions_v2', 'workflow_executions_v2', 'task_executions_v2',
                 'action_executions_v2', 'delayed_calls_v2')),
    'lbaas': (('35dee79d5865', '29ff921a6eb', 'f21ae3f21adc'),
              ('load_balancer', 'amphora', 'listener', 'pool', 'member')),
}
ROWS = 2000


def _value(column, i, conn):
    type_ = column.type
    if column.foreign_keys:
        fk = next(iter(column.foreign_keys))
        return conn.execute(sa.select(fk.column).order_by(
            sa.func.length(fk.column)).limit(1)).scalar()
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
    """Insert ``rows`` rows into each of ``tables`` that exists (FKs to seed rows)."""
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
            if any(c.foreign_keys and not c.nullable and not _value(c, 0, conn)
                   for c in table.columns):
                continue
            conn.execute(table.insert(), [
                {c.name: _value(c, i, conn) for c in table.columns
                 if not c.nullable or c.primary_key or c.foreign_keys}
                for i in range(rows)])
        analyze = {'mysql': 'ANALYZE TABLE %s', 'postgresql': 'ANALYZE %s'}.get(
            conn.dialect.name)
        for name in sorted(set(tables) & existing) if analyze else ():
            conn.execute(sa.text(analyze % name))
    engine.dispose()


@pytest.mark.parametrize('service', ['mistral', 'lbaas'])
def test_plan_lists_pending_work_and_costs(cli, db_url, backend, service):
    revisions, big = CHAINS[service]
    heads = cli.json(service, 'heads', url=db_url)[1]['heads']
    for start in revisions:
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
        assert code == (8 if plan['blocking'] or plan['breaking'] else 0)
        if backend == 'mysql':
            assert all(op['algorithm'] in (None, 'INSTANT', 'NOCOPY', 'INPLACE', 'COPY')
                       for op in ops)
        elif backend == 'postgresql':
            assert any(op['lock'] == 'ACCESS EXCLUSIVE' for op in ops)
        else:
            assert any(op['rebuild'] for op in ops)
        text = cli.run(service, 'plan', url=db_url)
        assert text.returncode == code and text.stderr == ''
        assert text.stdout.splitlines()[-1].startswith('Summary: %s' % plan['verdict'])
    proc = cli.run(service, 'upgrade', 'head', url=db_url)
    code, data = cli.json(service, 'plan', url=db_url)
    assert code == 0 and data['details']['plan']['verdict'] == 'nothing pending'


def test_plan_names_the_copy_that_blocks_writes(cli, make_db):
    url = make_db('mysql')
    cli.run('mistral', 'upgrade', '040', url=url)
    fill(url, ['workflow_executions_v2'])
    proc = cli.run('mistral', 'plan', '041', url=url)
    assert proc.returncode == 8, proc.stderr
    lines = proc.stdout.splitlines()
    row = next(line for line in lines if line.startswith('041'))
    assert 'workflow_executions_v2' in row and 'COPY/SHARED WAIT' in row
    assert lines[-1].startswith('Summary: blocks writes; writes wait: 041 alter_column '
                                'workflow_executions_v2')
    # Stopping before the copy: everything pending is online-safe.
    cli.run('mistral', 'upgrade', '041', url=url)
    code, data = cli.json('mistral', 'plan', '043', url=url)
    assert code == 0 and data['details']['plan']['verdict'] == 'online-safe'


def test_plan_bad_revision_is_usage_error(cli, make_db):
    url = make_db('postgresql')
    cli.run('mistral', 'upgrade', '010', url=url)
    proc = cli.run('mistral', 'plan', 'nosuch', url=url)
    assert proc.returncode == 2 and "unknown revision 'nosuch'" in proc.stderr
    proc = cli.run('mistral', 'plan', '005', url=url)
    assert proc.returncode == 2 and 'downgrade is not supported' in proc.stderr
