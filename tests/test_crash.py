"""Crash safety: a run killed anywhere converges on rerun; a healthy run checks nothing.

The full sweep (every statement of every revision) is ``python -m tests.faults``;
here every revision of both chains is crashed once on each backend.
"""
import json
import signal
import subprocess
import time

import pytest
import sqlalchemy as sa

from dbmanage.migrate import journal
from dbmanage.migrate import resume
from tests import conftest
from tests import faults
from tests import inprocess

SERVICES = ('mistral', 'lbaas')


@pytest.mark.parametrize('service', SERVICES)
@pytest.mark.parametrize('backend', conftest.BACKENDS)
def test_a_crash_in_every_revision_converges(backend, service):
    assert faults.sweep(backend, service, 'ci') == []


def _tables(url):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
    engine.dispose()
    return names


@pytest.mark.parametrize('service', SERVICES)
def test_a_healthy_run_checks_and_skips_nothing(service, make_db, monkeypatch):
    url = make_db('mysql')
    checks = []
    monkeypatch.setattr(resume, 'state', lambda *a, **k: checks.append(a))
    events = []
    ctx = inprocess.context(service, url, fresh_install='chain',
                            emit=lambda name, payload: events.append(payload))
    result = inprocess.commands.execute(ctx, 'upgrade', {'revision': 'head'})
    assert result.ok, result.error
    assert checks == []
    assert result.resumed == {}
    assert all(a.resumed == [] for a in result.applied)
    assert [e['resumed'] for e in events if 'remaining' in e] == [[]] * len(result.applied)
    assert journal.TABLE not in _tables(url)


def _crash_after_create_protocol(url, scratch):
    """Crash 35dee79d5865 right after its CREATE TABLE protocol; return the steps before it."""
    texts = []
    faults._upgrade(scratch, 'lbaas', '35dee79d5865', texts=texts)
    k = next(i for i, t in enumerate(texts, 1) if t.startswith('\nCREATE TABLE protocol'))
    assert faults.crash(url, 'lbaas', '35dee79d5865', k)
    steps = [t for t in texts[:k] if journal.TABLE not in t]
    return len(steps) - 1


def test_a_resumed_run_says_so(cli, make_db):
    url = make_db('mysql')
    steps = _crash_after_create_protocol(url, make_db('mysql'))
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        # CREATE TABLE protocol is done, but the count before it is recorded.
        assert journal.read(conn) == journal.Interrupted('35dee79d5865', steps)
    engine.dispose()
    proc = cli.run('lbaas', '--json', 'upgrade', '35dee79d5865', url=url)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result['resumed']['revision'] == '35dee79d5865'
    assert result['resumed']['skipped'][-1].startswith('CREATE TABLE protocol')
    assert result['applied'][0]['resumed'] == result['resumed']['skipped']
    assert proc.stderr.count('resuming revision 35dee79d5865') == 1
    assert journal.TABLE not in _tables(url)


def test_a_schema_changed_by_hand_stops_the_resume(make_db):
    url = make_db('mysql')
    _crash_after_create_protocol(url, make_db('mysql'))
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text('ALTER TABLE protocol DROP COLUMN description'))
    engine.dispose()
    result = inprocess.commands.execute(inprocess.context('lbaas', url), 'upgrade',
                                          {'revision': 'head'})
    assert not result.ok
    assert 'table protocol' in result.error and 'restore the backup' in result.error


def _schema_state(url, ddl, construct):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        for statement in ddl:
            conn.execute(sa.text(statement))
        return resume.state(conn, construct)


def _fk_table():
    meta = sa.MetaData()
    sa.Table('p', meta, sa.Column('id', sa.Integer, primary_key=True))
    child = sa.Table('c', meta, sa.Column('id', sa.Integer, primary_key=True),
                     sa.Column('pid', sa.Integer))
    fk = sa.ForeignKeyConstraint(['pid'], ['p.id'], name='fk_c_p')
    child.append_constraint(fk)
    return child, fk


PARENT_CHILD = ['CREATE TABLE p (id INT PRIMARY KEY)',
                'CREATE TABLE c (id INT PRIMARY KEY, pid INT)']


def test_foreign_keys_are_not_confused_with_indexes(make_db):
    child, fk = _fk_table()
    # MySQL keeps the index of a dropped foreign key under the key's name.
    dropped = PARENT_CHILD + ['CREATE INDEX fk_c_p ON c (pid)']
    assert _schema_state(make_db('mysql'), dropped, sa.schema.DropConstraint(fk)) == 'after'
    assert _schema_state(make_db('mysql'), dropped, sa.schema.AddConstraint(fk)) == 'before'
    added = PARENT_CHILD + [
        'ALTER TABLE c ADD CONSTRAINT fk_c_p FOREIGN KEY (pid) REFERENCES p (id)']
    assert _schema_state(make_db('mysql'), added, sa.schema.AddConstraint(fk)) == 'after'
    index = sa.Index('fk_c_p', child.c.pid)
    assert _schema_state(make_db('mysql'), added, sa.schema.DropIndex(index)) == 'before'


def test_a_different_primary_key_is_drift(make_db):
    child = sa.Table('c', sa.MetaData(), sa.Column('id', sa.Integer), sa.Column('pid', sa.Integer))
    pk = sa.PrimaryKeyConstraint(child.c.id, child.c.pid)
    child.append_constraint(pk)
    with pytest.raises(Exception, match='primary key of c'):
        _schema_state(make_db('mysql'), PARENT_CHILD, sa.schema.AddConstraint(pk))


def test_a_column_of_another_type_is_drift(make_db):
    from alembic.ddl import base
    column = sa.Column('name', sa.String(36), nullable=False)
    ddl = PARENT_CHILD + ['ALTER TABLE c ADD COLUMN name VARCHAR(36) NOT NULL']
    assert _schema_state(make_db('mysql'), ddl, base.AddColumn('c', column)) == 'after'
    ddl = PARENT_CHILD + ['ALTER TABLE c ADD COLUMN name VARCHAR(40) NULL']
    with pytest.raises(Exception, match='column c.name'):
        _schema_state(make_db('mysql'), ddl, base.AddColumn('c', column))


def _wait_for_revision(url, revision, proc, timeout=120):
    """Poll (outside any transaction) until ``alembic_version`` names ``revision``."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level='AUTOCOMMIT')
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if conn.execute(sa.text('SELECT version_num FROM alembic_version')).scalar() \
                        == revision:
                    break
            except sa.exc.ProgrammingError:
                pass  # no alembic_version yet
            time.sleep(0.002)
    engine.dispose()


def test_eight_kills_of_the_program_converge(cli, make_db, tmp_path):
    """``lbaas-db-manage upgrade head`` SIGKILLed at 8 moments spread over its
    revisions (just after revision n*95/9 is recorded), then rerun. The chain
    is replayed (an empty database would take the baseline in one step)."""
    reference = make_db('mysql')
    assert cli.run('lbaas', 'upgrade', 'head', url=reference).returncode == 0
    expected = faults.fingerprint(reference)
    chain = [e['revision'] for e in inprocess.run('lbaas', reference, 'history').history[::-1]]
    resumed = 0
    for moment in range(1, 9):
        url = make_db('mysql')
        conf = conftest.write_config(tmp_path / ('kill%d.conf' % moment), url,
                                     db_manage={'fresh_install': 'chain'})
        proc = subprocess.Popen([str(conftest.BIN / 'lbaas-db-manage'), '--config-file',
                                 str(conf), 'upgrade', 'head'],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_revision(url, chain[len(chain) * moment // 9], proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        rerun = cli.run('lbaas', 'upgrade', 'head', conf=conf)
        assert rerun.returncode == 0, 'killed at %d/9: %s' % (moment, rerun.stderr)
        assert faults.fingerprint(url) == expected, 'killed at %d/9' % moment
        resumed += 'resuming revision' in rerun.stderr
    assert resumed >= 1  # kills land inside revisions, not only between them
    assert conftest.schema_dump(url) == conftest.REFERENCE['lbaas'].read_text()


# -- a record that no longer describes the database or the file ---------------

def _revision_046(*operations):
    return '\n'.join(['"""Test revision."""', 'from alembic import op',
                      'import sqlalchemy as sa', '', "revision = '046'",
                      "down_revision = '045'", '', '', 'def upgrade():']
                     + ['    ' + o for o in operations]) + '\n'


ADD_A = "op.add_column('workbooks_v2', sa.Column('dbm_a', sa.Integer))"
ADD_B = "op.add_column('workbooks_v2', sa.Column('dbm_b', sa.Integer))"
BLOCKED = "op.create_table('dbm_blocker', sa.Column('id', sa.Integer, primary_key=True))"


def _interrupted_046(cli, make_db, chain_copy, *operations):
    """A Mistral database at 045 whose run of 046 stopped after its first two
    statements (the third met a table in its way), and the record it left.
    Returns (url, env, admin engine)."""
    url = make_db('mysql')
    package, env = chain_copy
    assert cli.run('mistral', 'upgrade', 'head', url=url, env=env).returncode == 0
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text('CREATE TABLE dbm_blocker (id INT PRIMARY KEY)'))
    versions = package / 'mistral' / 'versions'
    (versions / '046_test.py').write_text(_revision_046(*operations))
    failed = cli.run('mistral', 'upgrade', 'head', url=url, env=env)
    assert failed.returncode == 1 and 'dbm_blocker' in failed.stderr, failed.stderr
    with engine.connect() as conn:
        assert journal.read(conn) == journal.Interrupted('046', 2)
        conn.execute(sa.text('DROP TABLE dbm_blocker'))
    return url, env, engine


def _columns(engine):
    with engine.connect() as conn:
        return [c['name'] for c in sa.inspect(conn).get_columns('workbooks_v2')]


def test_a_revision_file_edited_after_the_interruption_stops_the_resume(cli, make_db,
                                                                        chain_copy):
    url, env, engine = _interrupted_046(cli, make_db, chain_copy, ADD_A, ADD_B, BLOCKED)
    package, _ = chain_copy
    added_first = "op.add_column('workbooks_v2', sa.Column('dbm_first', sa.Integer))"
    (package / 'mistral' / 'versions' / '046_test.py').write_text(
        _revision_046(added_first, ADD_A, ADD_B, BLOCKED))
    before = conftest.schema_dump(url)
    proc = cli.run('mistral', 'upgrade', 'head', url=url, env=env)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and 'cannot resume revision 046: its file changed' in lines[0], lines
    assert '046_test.py' in lines[0] and 'put back the file' in lines[0]
    assert conftest.schema_dump(url) == before
    engine.dispose()


def test_a_database_restored_in_place_since_the_interruption_stops_the_resume(cli, make_db,
                                                                             chain_copy):
    """The operator restores the pre-upgrade dump over the database: its
    tables go back to 045, but the record (not in the dump) stays. Skipping
    what it counts would stamp 046 without its first two statements."""
    url, env, engine = _interrupted_046(cli, make_db, chain_copy, ADD_A, ADD_B, BLOCKED)
    assert {'dbm_a', 'dbm_b'} <= set(_columns(engine))
    with engine.connect() as conn:   # the dump's effect on workbooks_v2
        conn.execute(sa.text('ALTER TABLE workbooks_v2 DROP COLUMN dbm_a, DROP COLUMN dbm_b'))
    before = conftest.schema_dump(url)
    proc = cli.run('mistral', 'upgrade', 'head', url=url, env=env)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and 'cannot resume revision 046' in lines[0], lines
    assert 'restored from a backup' in lines[0] and 'drop table dbmanage_progress' in lines[0]
    assert conftest.schema_dump(url) == before
    with engine.connect() as conn:
        conn.execute(sa.text('DROP TABLE dbmanage_progress'))
    proc = cli.run('mistral', 'upgrade', 'head', url=url, env=env)
    assert proc.returncode == 0, proc.stderr
    assert {'dbm_a', 'dbm_b'} <= set(_columns(engine))
    engine.dispose()
