"""``upgrade --online`` ends where a plain upgrade ends, and survives a crash anywhere.

Databases hold a few hundred rows (``bench.bigdb``) and batches are a few
rows, so every batched step and shadow copy runs many batches. Sizes and
timings are the benchmark's (``bench/online.py``).
"""
import collections
import itertools
import json
import logging
import re
import threading
import time

import pytest
import sqlalchemy as sa

from bench import bigdb
from dbmanage.migrate import online
from tests import conftest
from tests import faults
from tests import inprocess

SERVERS = ('mysql', 'postgresql')


def _mistral_at_021(make_db, backend, rows=80):
    return inprocess.filled(bigdb.MISTRAL, make_db(backend), rows)


def _upgrade(url, settings, events=None):
    heard = events if events is not None else []
    ctx = inprocess.context('mistral', url, online=settings,
                            emit=lambda name, payload: heard.append((name, payload)))
    result = inprocess.commands.execute(ctx, 'upgrade', {'revision': 'head'})
    ctx.database.dispose()
    assert result.ok, result.error
    return result


@pytest.mark.parametrize('backend', SERVERS)
def test_online_ends_with_the_plain_upgrades_schema_and_rows(make_db, backend):
    plain, online_url = _mistral_at_021(make_db, backend), _mistral_at_021(make_db, backend)
    _upgrade(plain, online.Settings(mode='never'))
    events = []
    result = _upgrade(online_url, online.Settings(mode='always', batch=7), events)
    assert faults.fingerprint(online_url) == faults.fingerprint(plain)
    assert conftest.schema_dump(online_url) == conftest.schema_dump(plain)
    if backend == 'mysql':
        assert conftest.schema_dump(online_url) == conftest.REFERENCE['mistral'].read_text()
    details = result.details['online']
    assert details['mode'] == 'always'
    done = {(t['revision'], t['what'], t['table']): t for t in details['tables']}
    # 022 names the namespace of actions that belong to a workflow (nine in ten here).
    assert done[('022', 'update', 'action_executions_v2')]['rows_done'] == 72
    if backend == 'mysql':
        # Task executions reference the table: their keys are moved over to the copy.
        assert done[('041', 'copy', 'workflow_executions_v2')]['rows_done'] == 20
    finals = [p for name, p in events if name == 'db_manage.upgrade.progress' and p['final']]
    assert [(p['revision'], p['table']) for p in finals] == [
        (t['revision'], t['table']) for t in details['tables']]


def test_never_leaves_every_statement_as_it_is(make_db):
    url = _mistral_at_021(make_db, 'mysql', rows=8)
    result = _upgrade(url, online.Settings(mode='never'))
    assert 'online' not in result.details


@pytest.mark.parametrize('backend', SERVERS)
def test_auto_goes_online_only_for_large_tables(make_db, backend):
    url = _mistral_at_021(make_db, backend, rows=400)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        # The server's row estimate, which "auto" reads, is refreshed here.
        for table in ('action_executions_v2', 'task_executions_v2', 'workflow_executions_v2'):
            conn.exec_driver_sql('ANALYZE %s%s' % ('TABLE ' if backend == 'mysql' else '', table))
        conn.commit()
    engine.dispose()
    result = _upgrade(url, online.Settings(mode='auto', rows=300, batch=50))
    tables = {t['table'] for t in result.details['online']['tables']}
    assert tables == {'action_executions_v2'}


def test_sqlite_runs_the_plain_path_and_says_so(cli, make_db):
    url = make_db('sqlite')
    assert cli.run('mistral', 'upgrade', '021', url=url).returncode == 0
    proc = cli.run('mistral', '--json', 'upgrade', 'head', '--online', url=url)
    assert proc.returncode == 0, proc.stderr
    details = json.loads(proc.stdout)['details']['online']
    assert 'SQLite' in details['note'] and details['tables'] == []


def test_online_with_sql_is_a_usage_error(cli):
    proc = cli.run('mistral', 'upgrade', '021:022', '--sql', '--online')
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and '--online' in proc.stderr


@pytest.mark.parametrize('service', ('mistral', 'lbaas'))
@pytest.mark.parametrize('backend', SERVERS)
def test_a_crash_in_every_revision_converges_online(backend, service):
    assert faults.sweep(backend, service, 'ci', online=True, rows=40) == []


@pytest.mark.parametrize('backend', SERVERS)
def test_crashes_between_batches_and_inside_a_shadow_copy_converge(backend):
    # 022 updates four tables in batches; on MariaDB 030 and 041 go through
    # shadow copies.
    assert faults.sweep(backend, 'mistral', 12, revisions=['022', '030', '041'],
                        online=True, rows=40) == []


@pytest.fixture
def one(tmp_path):
    """An agent's and its CLIs' broker settings (``test_agent_bus.Bus``)."""
    from tests.test_agent_bus import Bus
    bus = Bus(tmp_path)
    yield bus
    bus.stop()


def test_through_the_agent_with_progress_events(one, make_db):
    from tests.test_agent import Events
    url = _mistral_at_021(make_db, 'mysql', rows=200)
    _, log = one.agent(url)
    events = Events(one.notify_topic)
    try:
        proc = one.run('mistral', '--json', 'upgrade', 'head', '--online')
        assert proc.returncode == 0, proc.stderr + log.read_text()
        received = events.collect('db_manage.upgrade.end')
    finally:
        events.close()
    tables = json.loads(proc.stdout)['details']['online']['tables']
    finals = [e['payload'] for e in received
              if e['event_type'] == 'db_manage.upgrade.progress' and e['payload']['final']]
    assert [(p['revision'], p['what'], p['table'], p['rows_done']) for p in finals] == [
        (t['revision'], t['what'], t['table'], t['rows_done']) for t in tables]
    assert ('022', 'update', 'action_executions_v2', 180) in [
        (p['revision'], p['what'], p['table'], p['rows_done']) for p in finals]


def test_every_statement_of_an_online_run_passes_the_locks_fence(make_db):
    """The Galera lock's fence comes before each statement that changes the
    database (a cut-over's statements run under one LOCK TABLES)."""
    from sqlalchemy import event

    from dbmanage import dialects
    from dbmanage import services
    from dbmanage.migrate import journal
    from dbmanage.migrate import runner
    url = _mistral_at_021(make_db, 'mysql', rows=8)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    seen = []
    event.listen(engine, 'after_cursor_execute',
                 lambda conn, cursor, statement, *a: seen.append(statement.strip()))
    with engine.connect() as conn:
        run = online.Online(conn, dialects.of(conn), online.Settings(mode='always', batch=3))
        runner.upgrade(conn, services.get('mistral'), 'head',
                       before_statement=lambda what: seen.append(None), online=run)
    engine.dispose()
    unfenced, armed, locked = [], False, False
    for statement in seen:
        if statement is None:
            armed = True
            continue
        verb = statement.split(None, 1)[0].upper()
        locked = (locked or verb == 'LOCK') and verb != 'UNLOCK'
        if verb in ('SELECT', 'SET', 'SHOW', 'START', 'COMMIT', 'LOCK', 'UNLOCK') or locked or \
                journal.TABLE in statement or 'alembic_version' in statement:
            continue
        if not armed:
            unfenced.append(statement[:60])
        armed = False
    assert unfenced == []


def test_without_the_trigger_privilege_a_copy_runs_as_it_is(make_db, mysql_user, caplog):
    """A shadow copy needs triggers; a user who may not make them gets the
    plain statement and one warning, not a failed upgrade."""
    url = _mistral_at_021(make_db, 'mysql', rows=20)
    mysql_user(url, 'dbm_notrigger', 'Pw-1234567')
    engine = sa.create_engine(conftest.MYSQL_URL, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("REVOKE TRIGGER ON `%s`.* FROM 'dbm_notrigger'@'%%%%'"
                             % sa.engine.make_url(url).database)
    engine.dispose()
    plain = _mistral_at_021(make_db, 'mysql', rows=20)
    _upgrade(plain, online.Settings(mode='never'))
    caplog.set_level('INFO')
    result = _upgrade(conftest.login_url(url, 'dbm_notrigger', 'Pw-1234567'),
                      online.Settings(mode='always', batch=7))
    # The refusal names the user; nothing shows the password.
    assert 'triggers are not allowed here' in caplog.text
    for shown in (caplog.text, json.dumps(result.to_dict(), default=str)):
        assert not any(form in shown for form in conftest.password_forms('Pw-1234567'))
    assert ('041', 'copy', 'workflow_executions_v2') not in {
        (t['revision'], t['what'], t['table']) for t in result.details['online']['tables']}
    assert faults.fingerprint(url) == faults.fingerprint(plain)


def test_plan_on_postgresql_says_batches_and_lock_timeout(cli, make_db):
    url = _mistral_at_021(make_db, 'postgresql', rows=40)
    code, result = cli.json('mistral', 'plan', url=url, db_manage={'online': 'always'})
    plan = result['details']['plan']
    assert code == 0, plan['blocking']
    ways = {(r['revision'], op['kind'], op['table']): op['online']['way']
            for r in plan['revisions'] for op in r['operations']}
    assert ways[('022', 'execute', 'action_executions_v2')] == 'batches'
    assert ways[('041', 'alter_column', 'workflow_executions_v2')] == 'lock_timeout'
    assert ways[('026', 'create_index', 'action_executions_v2')] == 'CONCURRENTLY'


def test_an_index_left_invalid_by_a_crash_is_built_again(make_db, monkeypatch, caplog):
    """CREATE INDEX CONCURRENTLY commits by itself; a run killed inside it
    leaves an invalid index, which the rerun drops and builds again."""
    monkeypatch.setattr(faults, 'ONLINE', online.Settings(mode='always'))
    url, scratch, plain = (_mistral_at_021(make_db, 'postgresql', rows=40) for _ in range(3))
    for db in (url, scratch):
        inprocess.run('mistral', db, 'upgrade', revision='025')
    texts = []
    faults._upgrade(scratch, 'mistral', '026', texts=texts)
    build = next(i for i, t in enumerate(texts, 1) if 'INDEX CONCURRENTLY' in t)
    assert faults.crash(url, 'mistral', '026', build - 1)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect().execution_options(isolation_level='AUTOCOMMIT') as conn:
        # What the kill left: 026's index, invalid (this build of it fails).
        with pytest.raises(sa.exc.IntegrityError):
            conn.exec_driver_sql('CREATE UNIQUE INDEX CONCURRENTLY '
                                 'action_executions_v2_task_execution_id '
                                 'ON action_executions_v2 (state)')
        assert conn.exec_driver_sql(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = "
            "'action_executions_v2_task_execution_id'::regclass").scalar() is False
    engine.dispose()
    _upgrade(url, online.Settings(mode='always'))
    assert 'dropping the invalid index action_executions_v2_task_execution_id' in caplog.text
    _upgrade(plain, online.Settings(mode='never'))
    assert faults.fingerprint(url) == faults.fingerprint(plain)


def test_plan_says_what_online_does_and_the_longest_wait(cli, make_db):
    url = _mistral_at_021(make_db, 'mysql', rows=40)
    code, plain = cli.json('mistral', 'plan', url=url, db_manage={'online': 'never'})
    assert code == 8 and 'online' not in plain['details']['plan']
    code, result = cli.json('mistral', 'plan', url=url, db_manage={'online': 'always'})
    plan = result['details']['plan']
    ways = {(r['revision'], op['kind'], op['table']): op['online']['way']
            for r in plan['revisions'] for op in r['operations']}
    assert ways[('022', 'execute', 'action_executions_v2')] == 'batches'
    assert ways[('026', 'create_index', 'action_executions_v2')] == 'LOCK=NONE'
    assert ways[('030', 'alter_column', 'delayed_calls_v2')] == 'shadow copy'
    # Task executions reference it: a shadow copy all the same.
    assert ways[('041', 'alter_column', 'workflow_executions_v2')] == 'shadow copy'
    assert code == 0 and plan['blocking'] == []
    longest = plan['online']['longest_wait']
    assert longest['writes_wait'].startswith('the cut-over'), longest
    text = cli.run('mistral', 'plan', url=url, db_manage={'online': 'always'}).stdout
    assert 'Online (always): ' in text and 'longest write wait: the cut-over' in text


def _lbaas_at(make_db, revision, rows=40, backend='mysql'):
    return inprocess.filled(bigdb.LBAAS, make_db(backend), rows, revision)


@pytest.mark.parametrize('before, revision, table', [
    # SET provider = 'amphora': a constant.
    ('0fd2c131923f', '0f242cf02c74', 'load_balancer'),
    # SET id = pool_id: another column of the row (one write set of every
    # health monitor, where it ran as one statement on Galera).
    ('fc5582da7d8a', 'fac584114642', 'health_monitor')])
@pytest.mark.parametrize('backend', SERVERS)
def test_a_data_step_written_as_sql_text_runs_in_batches(make_db, backend, before, revision,
                                                         table):
    """A revision's ``op.execute`` string runs in batches online like a
    built UPDATE, as plan says, and ends as the one statement does."""
    online_url, plain = (_lbaas_at(make_db, before, backend=backend) for _ in range(2))
    ctx = inprocess.context('lbaas', online_url, online=online.Settings(mode='always', batch=2))
    result = inprocess.commands.execute(ctx, 'upgrade', {'revision': revision})
    ctx.database.dispose()
    assert result.ok, result.error
    done = {(t['revision'], t['what'], t['table']): t for t in result.details['online']['tables']}
    assert done[(revision, 'update', table)]['rows_done'] > 2
    inprocess.run('lbaas', plain, 'upgrade', revision=revision)
    assert faults.fingerprint(online_url) == faults.fingerprint(plain)


@conftest.galera_group
def test_batches_wait_for_a_node_that_falls_behind(galera, galera_db):
    """A node slow to apply holds the batches back: its queue of write sets
    to apply, each a wait for its own writers' commits, stays short. Flow
    control alone lets it fill to ``gcs.fc_limit`` (16)."""
    database = galera_db()
    url = inprocess.filled(bigdb.LBAAS, galera.url(1, database), 2000, 'fc5582da7d8a')
    node_2 = sa.create_engine(galera.url(2, database), poolclass=sa.pool.NullPool,
                              isolation_level='AUTOCOMMIT').connect()
    # Node 2 may still be applying the chain and rows that made the database:
    # they are no batches, and must be out of its queue before it is measured.
    node_2.exec_driver_sql('SET SESSION wsrep_sync_wait = 1')
    node_2.exec_driver_sql('SELECT 1')
    node_2.exec_driver_sql('SET SESSION wsrep_sync_wait = 0, wsrep_on = OFF')
    # Node 2's appliers run a trigger made there alone: 10 ms per row.
    node_2.exec_driver_sql('SET GLOBAL slave_run_triggers_for_rbr = YES')
    node_2.exec_driver_sql('CREATE TRIGGER slow_apply AFTER UPDATE ON health_monitor '
                           'FOR EACH ROW DO SLEEP(0.01)')
    node_2.exec_driver_sql('FLUSH STATUS')
    applied = []

    def fast_again():
        if not applied:
            applied.append(dict(node_2.exec_driver_sql(
                "SHOW GLOBAL STATUS WHERE variable_name IN ('wsrep_local_recv_queue_avg', "
                "'wsrep_local_recv_queue_max')").all()))
            node_2.exec_driver_sql('SET GLOBAL slave_run_triggers_for_rbr = NO')
            node_2.exec_driver_sql('DROP TRIGGER IF EXISTS slow_apply')
            node_2.close()

    def emit(name, payload):
        # Before the copies, whose own triggers must not run for applied rows.
        if payload.get('what') == 'update' and payload.get('final'):
            fast_again()
    ctx = inprocess.context('lbaas', url, online=online.Settings(mode='always', batch=10),
                            emit=emit)
    try:
        result = inprocess.commands.execute(ctx, 'upgrade', {'revision': 'fac584114642'})
    finally:
        ctx.database.dispose()
        fast_again()
    assert result.ok, result.error
    # Flow control alone: 14 on average (30 at most); with the wait 0.24 (3
    # at most). The average, as a loaded machine may let one moment run long.
    assert float(applied[0]['wsrep_local_recv_queue_avg']) <= 2, applied


@conftest.galera_group
def test_batches_go_on_without_a_node_that_stops_answering(galera, galera_db, monkeypatch,
                                                          caplog):
    """A node stopped outright (SIGSTOP, so no connection to it fails) is
    evicted by the others after Galera's suspect timeout, and the batches go
    on without waiting for it once a read from it times out: the run ends
    while the node is still stopped."""
    from dbmanage.dialects.mysql import nodes
    monkeypatch.setattr(nodes, 'READ_TIMEOUT', 3)
    url = inprocess.filled(bigdb.LBAAS, galera.url(1, galera_db()), 4000, '0fd2c131923f')
    stopped, thawed = [], []

    def thaw():
        thawed.append(time.monotonic())
        galera.sh('thaw-node', '2')
    let_go = threading.Timer(120, thaw)

    def emit(name, payload):
        if not stopped and payload.get('what') == 'update':
            galera.sh('freeze-node', '2')
            stopped.append(time.monotonic())
            let_go.start()
    ctx = inprocess.context('lbaas', url, online=online.Settings(mode='always', batch=5),
                            emit=emit)
    try:
        result = inprocess.commands.execute(ctx, 'upgrade', {'revision': '0f242cf02c74'})
        still_stopped = not thawed
    finally:
        ctx.database.dispose()
        let_go.cancel()
        if stopped:
            galera.sh('thaw-node', '2')
    assert result.ok, result.error
    assert stopped and still_stopped
    assert 'no longer waiting for the node at 127.0.0.1:%d' % (conftest.GALERA_PORT + 2) \
        in caplog.text


@conftest.galera_group
def test_a_node_holding_the_table_with_unreadable_triggers_reads_them_again(galera, galera_db,
                                                                            caplog):
    """A Galera node may keep a table open with its triggers read back
    unreadable, though its trigger file is sound (seen during copies on
    MariaDB 10.11: ``Unknown trigger has an error in its body: 'Query was
    empty'``). Every statement there that checks them fails until the table is
    read again: the copy's CREATE TRIGGER, and the services' INSERTs. Injected
    here: node 3 opens the table while its trigger file holds an empty
    definition, and the file is then taken away. The copy flushes the table
    on that node, says so, and goes on; the node's writers work again."""
    from dbmanage import dialects
    database = galera_db()
    engine = sa.create_engine(galera.url(1, database), poolclass=sa.pool.NullPool)
    _unreadable_triggers_on_node_3(galera, engine, database).unlink()
    with pytest.raises(sa.exc.ProgrammingError, match='has an error in its body'):
        galera.admin(3, 'INSERT INTO %s.p VALUES (100, 100)' % database)
    with engine.connect() as conn:
        backend = dialects.of(conn).online
        runner = online.Online(conn, dialects.of(conn), online.Settings(mode='always', batch=7))
        backend.alter(runner, 'ALTER TABLE p MODIFY n BIGINT NOT NULL', conn.exec_driver_sql,
                      lambda what: None)
        conn.commit()
    engine.dispose()
    assert 'p: node 127.0.0.1:%d read the triggers of the table back unreadable' % (
        conftest.GALERA_PORT + 3) in caplog.text
    galera.admin(3, 'INSERT INTO %s.p VALUES (100, 100)' % database)
    for node in (1, 2, 3):
        assert galera.read(node, "SELECT data_type FROM information_schema.columns WHERE "
                                 "table_schema = '%s' AND table_name = 'p' AND column_name = 'n' "
                                 "UNION ALL SELECT trigger_name FROM information_schema.triggers "
                                 "WHERE trigger_schema = '%s'" % (database, database)) == [
            ('bigint',)], node


@conftest.galera_group
def test_a_trigger_file_that_is_itself_unreadable_stops_the_copy(galera, galera_db, caplog):
    """Where the node's trigger file itself holds a definition that does not
    parse, flushing cannot help: after three flushes the copy stops with the
    server's error, and the next run's tidy leaves nothing of it."""
    from oslo_db import exception as db_exc

    from dbmanage import dialects
    database = galera_db()
    engine = sa.create_engine(galera.url(1, database), poolclass=sa.pool.NullPool)
    unreadable = _unreadable_triggers_on_node_3(galera, engine, database)
    try:
        with engine.connect() as conn:
            backend = dialects.of(conn).online
            runner = online.Online(conn, dialects.of(conn),
                                   online.Settings(mode='always', batch=7))
            with pytest.raises(db_exc.DBError, match='has an error in its body'):
                backend.alter(runner, 'ALTER TABLE p MODIFY n BIGINT NOT NULL',
                              conn.exec_driver_sql, lambda what: None)
            conn.rollback()
    finally:
        unreadable.unlink()
        galera.admin(3, 'FLUSH LOCAL TABLES %s.p' % database)
    assert caplog.text.count('read the triggers of the table back unreadable') == 3
    with engine.connect() as conn:
        backend.tidy(conn)
    engine.dispose()
    for node in (1, 2, 3):
        assert galera.read(node, "SELECT trigger_name FROM information_schema.triggers WHERE "
                                 "trigger_schema = '%s' UNION ALL SELECT table_name FROM "
                                 "information_schema.tables WHERE table_schema = '%s' AND "
                                 "table_name LIKE '\\_dbm%%'" % (database, database)) == [], node


def _unreadable_triggers_on_node_3(galera, engine, database):
    """Table ``p`` of 30 rows, which node 3 holds open with a trigger that
    does not parse, read from a trigger file with an empty definition;
    returns that file's path."""
    with engine.connect() as conn:
        conn.exec_driver_sql('CREATE TABLE p (id INT NOT NULL PRIMARY KEY, n INT NOT NULL)')
        conn.exec_driver_sql('INSERT INTO p SELECT seq, seq FROM seq_1_to_30')
        conn.commit()
    galera.read(3, 'SELECT 1 FROM %s.p LIMIT 1' % database)
    unreadable = galera.datadir(3) / database / 'p.TRG'
    unreadable.write_text("TYPE=TRIGGERS\ntriggers=''\nsql_modes=0\ndefiners='root@%'\n"
                          "client_cs_names='utf8mb4'\nconnection_cl_names='utf8mb4_general_ci'\n"
                          "db_cl_names='utf8mb4_general_ci'\ncreated=0\n")
    try:
        galera.admin(3, 'FLUSH LOCAL TABLES %s.p' % database)
        galera.admin(3, 'SELECT 1 FROM %s.p LIMIT 1' % database)
    except Exception:
        unreadable.unlink()
        raise
    return unreadable


def test_which_sql_text_runs_in_batches():
    from sqlalchemy.dialects import mysql
    step = online.batchable(sa.text("UPDATE t SET a = 'x, y', b = NULL WHERE c = 1 OR d = 2"))
    batch = step.pending.where(sa.literal_column('id') > 5)
    assert str(batch.compile(dialect=mysql.dialect(), compile_kwargs={'literal_binds': True})) == (
        "UPDATE t SET a='x, y', b=NULL WHERE (c = 1 OR d = 2) "
        "AND NOT (t.a <=> 'x, y' AND t.b <=> NULL) AND id > 5")
    assert online.batchable(sa.text('DELETE FROM t WHERE c < 3')).what == 'delete'
    step = online.batchable(sa.text('UPDATE t SET a = t.b, c = 1 WHERE a IS NULL'))
    assert str(step.pending.compile(dialect=mysql.dialect(), compile_kwargs={
        'literal_binds': True})) == (
        'UPDATE t SET a=t.b, c=1 WHERE (a IS NULL) AND NOT (t.a <=> t.b AND t.c <=> 1)')
    # A row would change again in the next pass, or take another row's
    # value, or a new value every time.
    for sql in ('UPDATE t SET a = a', 'UPDATE t SET a = b, b = a', 'UPDATE t SET a = u.b',
                'UPDATE t SET a = CURRENT_TIMESTAMP', 'UPDATE t SET a = b + 1'):
        assert online.batchable(sa.text(sql)) is None, sql
    t, u = sa.table('t', sa.column('a'), sa.column('b')), sa.table('u', sa.column('b'))
    assert online.batchable(t.update().values(a=t.c.b)).what == 'update'
    for built in (t.update().values(a=t.c.a + 1), t.update().values(a=u.c.b),
                  t.update().values(a=sa.literal_column('now()'))):
        assert online.batchable(built) is None, built
    # Computed values, and values bound apart from the text, run as they are.
    assert online.batchable(sa.text('UPDATE t SET a = b * 2 WHERE c = 1')) is None
    assert online.batchable(sa.text("UPDATE t SET a = 'x' WHERE c = :c").bindparams(c=1)) is None


def test_a_foreign_key_is_added_unchecked_once_no_row_breaks_it(make_db, caplog):
    """MariaDB adds a foreign key without copying the table only unchecked;
    online, the rows are checked by a read first, and the key ends as plain."""
    online_url, plain = (_lbaas_at(make_db, '82b9402e71fd') for _ in range(2))
    caplog.set_level('INFO')
    ctx = inprocess.context('lbaas', online_url, online=online.Settings(mode='always'))
    result = inprocess.commands.execute(ctx, 'upgrade', {'revision': '9b5473976d6d'})
    ctx.database.dispose()
    assert result.ok, result.error
    assert 'cannot change it without blocking writes' not in caplog.text
    inprocess.run('lbaas', plain, 'upgrade', revision='9b5473976d6d')
    assert faults.fingerprint(online_url) == faults.fingerprint(plain)


COPIED_REVISION = '''"""Widen dbm_copied.n, which MariaDB does by copying the table."""
from alembic import op
import sqlalchemy as sa

revision = '046'
down_revision = '045'


def upgrade():
    op.alter_column('dbm_copied', 'n', type_=sa.BigInteger, existing_type=sa.Integer,
                    existing_nullable=False)
'''


def _copy_under_writer(cli, engine, url, chain_copy, next_write, revision=COPIED_REVISION,
                       copied=True):
    """Upgrade ``url`` online to 046 (``revision``, a shadow copy of
    dbm_copied if ``copied``, in batches of 20) while a writer sends ``next_write(n)``:
    (statement, params, what to note once it committed), back to back.
    Returns the writes that failed and the kinds of those that committed."""
    import threading
    package, env = chain_copy
    (package / 'mistral' / 'versions' / '046_copied.py').write_text(revision)
    done, failed, writes = threading.Event(), [], []

    def write():
        with engine.connect() as conn:
            for n in itertools.count(10 ** 6):
                if done.is_set():
                    return
                statement, params, change = next_write(n)
                try:
                    conn.exec_driver_sql(statement, params)
                    conn.commit()
                except sa.exc.DBAPIError as exc:
                    conn.rollback()
                    failed.append(exc)
                    continue
                change()
                writes.append(statement.split()[0])
    writer = threading.Thread(target=write)
    writer.start()
    try:
        proc = cli.run('mistral', '--json', 'upgrade', 'head', '--online', url=url, env=env,
                       db_manage={'online_batch': 20})
    finally:
        done.set()
        writer.join()
    assert proc.returncode == 0, proc.stderr
    copies = [t for t in json.loads(proc.stdout)['details']['online']['tables']
              if t['table'] == 'dbm_copied']
    assert [t['what'] for t in copies] == (['copy'] if copied else [])
    return failed, writes


def _at_head_with(cli, make_db, chain_copy, *statements):
    """A MariaDB database at head (``chain_copy``'s chain) that then ran
    ``statements``: the tables a copy under a writer works on."""
    url = make_db('mysql')
    assert cli.run('mistral', 'upgrade', 'head', url=url, env=chain_copy[1]).returncode == 0
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)
        conn.commit()
    return url, engine


def _rows_after_copy(cli, make_db, chain_copy, seed, deletes=True, **options):
    """dbm_copied (3,000 rows) goes to 046 online (``options`` as
    ``_copy_under_writer`` takes them) while a writer inserts, updates and, if
    ``deletes``, deletes rows. Returns the rows found after it, the rows its
    committed writes left, its failed writes, the kinds of those that
    committed, and the table's SHOW CREATE TABLE."""
    import random
    url, engine = _at_head_with(
        cli, make_db, chain_copy,
        'CREATE TABLE dbm_copied (id VARCHAR(20) NOT NULL PRIMARY KEY, n INT NOT NULL)',
        "INSERT INTO dbm_copied SELECT CONCAT('r', seq), seq FROM seq_1_to_3000")
    with engine.connect() as conn:
        expected = dict(conn.exec_driver_sql('SELECT id, n FROM dbm_copied').all())
    rng = random.Random(seed)

    def next_write(n):
        key = rng.choice(sorted(expected))
        if n % 3 == 0:
            return ('INSERT INTO dbm_copied (id, n) VALUES (%s, %s)', ('w%d' % n, n),
                    lambda: expected.__setitem__('w%d' % n, n))
        if deletes and n % 7 == 0:
            return ('DELETE FROM dbm_copied WHERE id = %s', (key,), lambda: expected.pop(key))
        return ('UPDATE dbm_copied SET n = %s WHERE id = %s', (n, key),
                lambda: expected.__setitem__(key, n))
    failed, writes = _copy_under_writer(cli, engine, url, chain_copy, next_write, **options)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql('SELECT id, n FROM dbm_copied').all()
        create = conn.exec_driver_sql('SHOW CREATE TABLE dbm_copied').first()[1]
        assert conn.exec_driver_sql("SHOW TABLES LIKE '\\_dbm%%'").all() == []
    engine.dispose()
    return rows, expected, failed, collections.Counter(writes), create


def test_a_shadow_copy_keeps_every_write_made_during_it(cli, make_db, chain_copy):
    """A change MariaDB makes by copying goes through a shadow copy while a
    writer updates, inserts and deletes rows: afterwards the table holds
    exactly what the writer's committed writes left, and no write failed
    (the swap is one RENAME TABLE: a waiting writer never finds no table)."""
    rows, expected, failed, counts, create = _rows_after_copy(cli, make_db, chain_copy, 7)
    assert '`n` bigint' in create and failed == []
    assert dict(rows) == expected
    # The writes overlapped the copy: every kind, many times.
    assert min(counts[w] for w in ('UPDATE', 'INSERT', 'DELETE')) >= 5, counts


DROPPED_KEY_REVISION = '''"""Drop the primary key of dbm_copied, which MariaDB does by copying."""
from alembic import op

revision = '046'
down_revision = '045'


def upgrade():
    op.drop_constraint('PRIMARY', 'dbm_copied', type_='primary')
'''


def test_a_shadow_copy_that_drops_the_primary_key_keeps_one_row_per_row(cli, make_db,
                                                                        chain_copy):
    """The copy of a table losing its primary key would have no key to merge
    a row written during the copy with the one the batches copy: the
    statement runs as it is, and every row is there once."""
    rows, expected, failed, counts, create = _rows_after_copy(
        cli, make_db, chain_copy, 5, deletes=False, revision=DROPPED_KEY_REVISION,
        copied=False)
    assert 'KEY' not in create and failed == []
    assert len(rows) == len(expected) and dict(rows) == expected
    assert min(counts[w] for w in ('UPDATE', 'INSERT')) >= 5, counts


def test_a_shadow_copy_of_a_referenced_table_keeps_its_children_checked(cli, make_db,
                                                                        chain_copy):
    """Other tables reference the copied table: their foreign keys move to
    the copy with the swap, come out as they were (names, actions), and check
    every write on the way: children inserted and parents deleted (cascading)
    during the copy all end as their committed writes left them."""
    import random
    url, engine = _at_head_with(
        cli, make_db, chain_copy,
        'CREATE TABLE dbm_copied (id VARCHAR(20) NOT NULL PRIMARY KEY, n INT NOT NULL)',
        'CREATE TABLE dbm_child (id INT NOT NULL PRIMARY KEY, parent VARCHAR(20), '
        'FOREIGN KEY (parent) REFERENCES dbm_copied (id) ON DELETE CASCADE)',
        'CREATE TABLE dbm_kept (id INT NOT NULL PRIMARY KEY, parent VARCHAR(20) NOT NULL, '
        'CONSTRAINT dbm_kept_parent FOREIGN KEY (parent) REFERENCES dbm_copied (id))',
        "INSERT INTO dbm_copied SELECT CONCAT('r', seq), seq FROM seq_1_to_3000",
        "INSERT INTO dbm_child SELECT seq, CONCAT('r', seq) FROM seq_1_to_3000",
        "INSERT INTO dbm_kept SELECT seq, CONCAT('r', seq) FROM seq_1_to_100")
    with engine.connect() as conn:
        parents = dict(conn.exec_driver_sql('SELECT id, n FROM dbm_copied').all())
        children = dict(conn.exec_driver_sql('SELECT id, parent FROM dbm_child').all())
        before = [conn.exec_driver_sql('SHOW CREATE TABLE %s' % t).first()[1]
                  for t in ('dbm_child', 'dbm_kept')]
    rng = random.Random(11)

    def next_write(n):
        key = rng.choice(sorted(parents))
        if n % 3 == 0:
            return ('INSERT INTO dbm_child VALUES (%s, %s)', (n, key),
                    lambda: children.__setitem__(n, key))
        if n % 5 == 0 and int(key[1:]) > 100:  # dbm_kept's parents stay

            def deleted():
                parents.pop(key)
                for child in [c for c, p in children.items() if p == key]:
                    children.pop(child)
            return 'DELETE FROM dbm_copied WHERE id = %s', (key,), deleted
        return ('INSERT INTO dbm_copied VALUES (%s, %s)', ('w%d' % n, n),
                lambda: parents.__setitem__('w%d' % n, n))
    failed, writes = _copy_under_writer(cli, engine, url, chain_copy, next_write)
    with engine.connect() as conn:
        assert dict(conn.exec_driver_sql('SELECT id, n FROM dbm_copied').all()) == parents
        assert dict(conn.exec_driver_sql('SELECT id, parent FROM dbm_child').all()) == children
        assert [conn.exec_driver_sql('SHOW CREATE TABLE %s' % t).first()[1]
                for t in ('dbm_child', 'dbm_kept')] == before
        assert conn.exec_driver_sql("SHOW TABLES LIKE '\\_dbm%%'").all() == []
        with pytest.raises(sa.exc.IntegrityError, match='1452'):
            conn.exec_driver_sql("INSERT INTO dbm_child VALUES (0, 'nobody')")
    engine.dispose()
    assert failed == []
    counts = collections.Counter(writes)
    assert min(counts[w] for w in ('INSERT', 'DELETE')) >= 5, counts


def test_a_shadow_copy_keeps_the_tables_own_foreign_keys(cli, make_db, chain_copy):
    """The copied table references others, by keys named by hand and by the
    server: parents deleted during the copy take their rows along in the copy
    too (cascades fire no trigger), and the keys come out with their names."""
    import random
    url, engine = _at_head_with(
        cli, make_db, chain_copy,
        'CREATE TABLE dbm_parent (id INT NOT NULL PRIMARY KEY)',
        'CREATE TABLE dbm_copied (id VARCHAR(20) NOT NULL PRIMARY KEY, n INT NOT NULL, '
        'parent INT, other INT, CONSTRAINT fk_dbm_copied_parent FOREIGN KEY (parent) '
        'REFERENCES dbm_parent (id) ON DELETE CASCADE, FOREIGN KEY (other) REFERENCES '
        'dbm_parent (id) ON DELETE SET NULL)',
        'INSERT INTO dbm_parent SELECT seq FROM seq_1_to_300',
        "INSERT INTO dbm_copied SELECT CONCAT('r', seq), seq, seq MOD 300 + 1, "
        "(seq + 7) MOD 300 + 1 FROM seq_1_to_3000")
    with engine.connect() as conn:
        rows = {r[0]: tuple(r[1:]) for r in conn.exec_driver_sql(
            'SELECT id, n, parent, other FROM dbm_copied')}
        before = conn.exec_driver_sql('SHOW CREATE TABLE dbm_copied').first()[1]
    parents = set(range(1, 301))
    rng = random.Random(5)

    def next_write(n):
        if n % 4 == 0 and len(parents) > 100:
            parent = rng.choice(sorted(parents))

            def deleted():
                parents.discard(parent)
                for key, (value, a, b) in list(rows.items()):
                    if a == parent:
                        rows.pop(key)
                    elif b == parent:
                        rows[key] = (value, a, None)
            return 'DELETE FROM dbm_parent WHERE id = %s', (parent,), deleted
        parent = rng.choice(sorted(parents))
        return ('INSERT INTO dbm_copied VALUES (%s, %s, %s, %s)', ('w%d' % n, n, parent, parent),
                lambda: rows.__setitem__('w%d' % n, (n, parent, parent)))
    failed, writes = _copy_under_writer(cli, engine, url, chain_copy, next_write)
    with engine.connect() as conn:
        assert {r[0]: tuple(r[1:]) for r in conn.exec_driver_sql(
            'SELECT id, n, parent, other FROM dbm_copied')} == rows
        after = conn.exec_driver_sql('SHOW CREATE TABLE dbm_copied').first()[1]
        assert after == before.replace('`n` int(11) NOT NULL', '`n` bigint(20) NOT NULL')
        with pytest.raises(sa.exc.IntegrityError, match='1452'):
            conn.exec_driver_sql("INSERT INTO dbm_copied VALUES ('x', 0, 0, NULL)")
    engine.dispose()
    assert failed == []
    counts = collections.Counter(writes)
    assert min(counts[w] for w in ('INSERT', 'DELETE')) >= 5, counts


_FAMILY = ['CREATE TABLE p (id INT NOT NULL PRIMARY KEY, n INT NOT NULL)',
           'CREATE TABLE o (id INT NOT NULL PRIMARY KEY)',
           # Keys the server names: after the column, and after the constraint.
           'CREATE TABLE c (id INT NOT NULL PRIMARY KEY, p_id INT, '
           'FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE)',
           'CREATE TABLE d (id INT NOT NULL PRIMARY KEY, p_id INT NOT NULL, '
           'CONSTRAINT d_p FOREIGN KEY (p_id) REFERENCES p (id))',
           # Its own keys as the server made them, one named by hand.
           'CREATE TABLE q (id INT NOT NULL PRIMARY KEY, n INT NOT NULL, p_id INT, o_id INT, '
           'CONSTRAINT q_p FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE, '
           'FOREIGN KEY (o_id) REFERENCES o (id))',
           'INSERT INTO p SELECT seq, seq FROM seq_1_to_30',
           'INSERT INTO o SELECT seq FROM seq_1_to_30',
           'INSERT INTO c SELECT seq, seq FROM seq_1_to_30',
           'INSERT INTO d SELECT seq, seq FROM seq_1_to_30',
           'INSERT INTO q SELECT seq, seq, seq, seq FROM seq_1_to_30']
# The keys the server made for foreign keys must still be its own afterwards:
# an index on their columns then replaces them.
_LATER = ['ALTER TABLE c ADD INDEX c_later (p_id)', 'ALTER TABLE d ADD INDEX d_later (p_id)',
          'ALTER TABLE q ADD INDEX q_later (p_id), ADD INDEX q_later_o (o_id)']


class _Crash(Exception):
    pass


@pytest.mark.parametrize('where, statement, points', [
    ('mysql', 'ALTER TABLE p MODIFY n BIGINT NOT NULL', 12),    # others reference p
    ('mysql', 'ALTER TABLE q MODIFY n BIGINT NOT NULL', 12),    # q references others
    ('mysql', 'ALTER TABLE q DROP FOREIGN KEY q_p, MODIFY p_id BIGINT', 12),
    ('mysql', 'ALTER TABLE q DROP PRIMARY KEY, MODIFY n BIGINT NOT NULL', 6),  # refused
    # The triggers made and dropped on each node, the swap naming every joined table.
    pytest.param('galera', 'ALTER TABLE p MODIFY n BIGINT NOT NULL', 24,
                 marks=conftest.galera_group),
    pytest.param('galera', 'ALTER TABLE q DROP PRIMARY KEY, MODIFY n BIGINT NOT NULL', 15,
                 marks=conftest.galera_group)])
def test_a_shadow_copy_killed_anywhere_is_tidied(request, make_db, caplog, where, statement,
                                                 points):
    """Killed before any statement of the copy, the key moves and the swap
    (or the copy's refusal), the next run's tidy leaves every table exactly
    as it was and no ``_dbm_`` object behind (on Galera, on any node), and
    the change then ends as a clean one."""
    from dbmanage import dialects
    caplog.set_level(logging.INFO, logger='dbmanage')
    table, column = re.search(r'TABLE (\w+) .*MODIFY (\w+)', statement).groups()
    if where == 'galera':
        galera, galera_db = (request.getfixturevalue(f) for f in ('galera', 'galera_db'))

    def new_db():
        return galera.url(1, galera_db()) if where == 'galera' else make_db('mysql')
    clean = new_db()
    engine = sa.create_engine(clean, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        for sql in _FAMILY + [statement] + _LATER:
            conn.exec_driver_sql(sql)
    engine.dispose()
    expected = faults.fingerprint(clean)
    point, tidied = 0, set()
    while True:
        point += 1
        url = new_db()
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            for sql in _FAMILY:
                conn.exec_driver_sql(sql)
            conn.commit()
            backend = dialects.of(conn).online
            runner = online.Online(conn, dialects.of(conn),
                                   online.Settings(mode='always', batch=7))
            steps = []

            def fence(what):
                steps.append(what)
                if len(steps) == point:
                    raise _Crash(what)
            try:
                backend.alter(runner, statement, conn.exec_driver_sql, fence)
                finished = True
            except _Crash:
                finished = False
            conn.rollback()
        engine.dispose()
        with engine.connect() as conn:  # the next run
            backend.tidy(conn)
            left = conn.exec_driver_sql(
                "SELECT constraint_name FROM information_schema.referential_constraints "
                "WHERE constraint_schema = DATABASE() AND constraint_name LIKE '\\_dbm%%' "
                "UNION SELECT table_name FROM information_schema.tables WHERE "
                "table_schema = DATABASE() AND table_name LIKE '\\_dbm%%' "
                "UNION SELECT trigger_name FROM information_schema.triggers WHERE "
                "trigger_schema = DATABASE()").all()
            assert left == [], (point, left)
            for node in (2, 3) if where == 'galera' else ():
                assert galera.read(node, "SELECT trigger_name FROM information_schema.triggers "
                                         "WHERE trigger_schema = '%s' UNION SELECT table_name "
                                         "FROM information_schema.tables WHERE table_schema = "
                                         "'%s' AND table_name LIKE '\\_dbm%%'"
                                   % ((conn.engine.url.database,) * 2)) == [], (point, node)
            changed = conn.exec_driver_sql(
                "SELECT data_type FROM information_schema.columns WHERE table_schema = "
                "DATABASE() AND table_name = %s AND column_name = %s",
                (table, column)).scalar() == 'bigint'
            if not changed:
                conn.exec_driver_sql(statement)
            for sql in _LATER:
                conn.exec_driver_sql(sql)
            tidied.add(changed)
        engine.dispose()
        assert faults.fingerprint(url) == expected, point
        if finished:
            break
    # Kills before the swap and after it, through every key's move: a run
    # that ends sooner took another way, which its log says.
    assert point > points, (steps, caplog.text[-3000:])
    assert tidied == {True, False}


def test_a_row_added_to_the_swapped_in_table_can_be_referenced_at_once(make_db):
    """Right after the swap, a writer adds a row to the table (now the copy)
    and a row of a referencing table that points to it: the foreign key
    that checks it must already check against the copy, not the old table."""
    from dbmanage import dialects
    url = make_db('mysql')
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    writer = engine.connect()
    swapped, written = [], []

    def fence(what):
        if swapped and not written:
            try:
                writer.exec_driver_sql('INSERT INTO p VALUES (1000, 1000)')
                writer.exec_driver_sql('INSERT INTO d VALUES (1000, 1000)')
                writer.commit()
                written.append('committed')
            except sa.exc.DBAPIError as exc:
                writer.rollback()
                written.append(str(exc.orig))
        if 'RENAME TABLE' in what:
            swapped.append(what)
    try:
        with engine.connect() as conn:
            for sql in _FAMILY:
                conn.exec_driver_sql(sql)
            conn.commit()
            runner = online.Online(conn, dialects.of(conn),
                                   online.Settings(mode='always', batch=7))
            dialects.of(conn).online.alter(runner, 'ALTER TABLE p MODIFY n BIGINT NOT NULL',
                                           conn.exec_driver_sql, fence)
            conn.commit()
    finally:
        writer.close()
        engine.dispose()
    assert swapped and written == ['committed']


@pytest.mark.parametrize('duplicate', ('before', 'during'))
def test_a_copy_that_would_merge_rows_on_a_new_unique_key_fails_as_plain(make_db, duplicate):
    """A statement that adds a unique key over rows that break it fails as
    it is (1062) and leaves the table as it was. Through a shadow copy, the
    batches' INSERT IGNORE and the triggers' upserts would merge those rows
    instead, losing some: a duplicate there from the start, or written by
    another session while the copy runs."""
    from dbmanage import dialects
    url = make_db('mysql')
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    writer = engine.connect()

    def fence(what):
        if duplicate == 'during' and what.startswith('copying') and not writer.info:
            writer.exec_driver_sql('INSERT INTO t VALUES (1000, 5)')
            writer.commit()
            writer.info['written'] = True
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql('CREATE TABLE t (id INT NOT NULL PRIMARY KEY, n INT NOT NULL)')
            conn.exec_driver_sql('INSERT INTO t SELECT seq, %s FROM seq_1_to_300'
                                 % ('seq' if duplicate == 'during' else 'MOD(seq, 290)'))
            conn.commit()
            runner = online.Online(conn, dialects.of(conn),
                                   online.Settings(mode='always', batch=7))
            with pytest.raises(sa.exc.IntegrityError, match='1062'):
                dialects.of(conn).online.alter(
                    runner, 'ALTER TABLE t MODIFY n BIGINT NOT NULL, ADD UNIQUE KEY u (n)',
                    conn.exec_driver_sql, fence)
            conn.rollback()
            rows = conn.exec_driver_sql('SELECT COUNT(*), COUNT(DISTINCT id) FROM t').first()
            create = conn.exec_driver_sql('SHOW CREATE TABLE t').first()[1]
            left = conn.exec_driver_sql("SHOW TABLES LIKE '\\_dbm%%'").all()
    finally:
        writer.close()
        engine.dispose()
    assert tuple(rows) == ((301, 301) if duplicate == 'during' else (300, 300))
    assert '`n` int(11)' in create and 'UNIQUE' not in create and left == []


def test_a_batch_that_loses_to_a_writer_runs_again_in_place(make_db, caplog):
    """A writer's transaction that deadlocks with a batch (heavier, so
    InnoDB rolls the batch back; on Galera a certification failure does the
    same) costs that batch one more try, not the whole run."""
    import threading
    from dbmanage import dialects
    from dbmanage.db import retry
    url = make_db('mysql')
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    retry.classify_errors(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql('CREATE TABLE t (id INT NOT NULL PRIMARY KEY, s INT NOT NULL)')
        conn.exec_driver_sql('CREATE TABLE heavy (id INT NOT NULL PRIMARY KEY, n INT NOT NULL)')
        conn.exec_driver_sql('INSERT INTO t SELECT seq, 0 FROM seq_1_to_200')
        conn.exec_driver_sql('INSERT INTO heavy SELECT seq, 0 FROM seq_1_to_3000')
        conn.commit()
    table = sa.table('t', sa.column('id'), sa.column('s'))
    batch_waits = threading.Event()

    def writer():
        with engine.connect() as conn:
            conn.exec_driver_sql('UPDATE heavy SET n = n + 1')
            conn.exec_driver_sql('SELECT s FROM t WHERE id = 100 FOR UPDATE')
            batch_waits.wait(30)
            conn.exec_driver_sql('UPDATE t SET s = 2 WHERE id = 1')  # the deadlock
            conn.commit()
    caplog.set_level('INFO')
    threads = [threading.Thread(target=writer),
               threading.Thread(target=_when_batch_waits, args=(engine, batch_waits))]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # the writer holds row 100
    with engine.connect() as conn:
        runner = online.Online(conn, dialects.of(conn), online.Settings(mode='always',
                                                                         batch=100))
        runner.execute(sa.update(table).values(s=1), None, lambda what: None)
        conn.commit()
        for thread in threads:
            thread.join(30)
        assert conn.exec_driver_sql('SELECT DISTINCT s FROM t').all() == [(1,)]
    engine.dispose()
    assert 'lost to a writer; running it again over 50 rows' in caplog.text


def _when_batch_waits(engine, event):
    """Set ``event`` once a batch has been waiting for a row lock a while."""
    deadline = time.monotonic() + 30
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            if conn.exec_driver_sql("SELECT COUNT(*) FROM information_schema.processlist "
                                    "WHERE db = DATABASE() AND info LIKE 'UPDATE t SET%%' "
                                    "AND time_ms > 300").scalar():
                event.set()
                return
            conn.rollback()
            time.sleep(0.02)


@pytest.mark.parametrize('backend', SERVERS)
def test_a_change_waiting_behind_a_long_transaction_retries_in_place(make_db, backend, caplog):
    """A service's transaction holds the table for 2.5 s: the ALTER gives way
    after online_lock_wait and tries again, in place, and the run goes on."""
    import threading
    url = _mistral_at_021(make_db, backend, rows=40)
    inprocess.run('mistral', url, 'upgrade', revision='026')
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    holding = threading.Event()

    def hold():
        with engine.connect() as conn:
            conn.exec_driver_sql('SELECT COUNT(*) FROM action_executions_v2').scalar()
            holding.set()
            time.sleep(2.5)
            conn.rollback()
    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait()
    caplog.set_level('INFO')
    try:
        ctx = inprocess.context('mistral', url,
                                online=online.Settings(mode='always', lock_wait=1.0))
        result = inprocess.commands.execute(ctx, 'upgrade', {'revision': '027'})
        ctx.database.dispose()
    finally:
        holder.join()
        engine.dispose()
    assert result.ok, result.error
    assert 'waiting for a table lock' in caplog.text
    assert 'transient database error' not in caplog.text
