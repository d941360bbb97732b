"""Rows the chains and populate write, against the rows upstream's tools wrote.

``tests/data/*_rows.json`` were dumped from databases migrated (and, for
Mistral, populated) by the upstream tools on MariaDB; generated ids and
timestamps are left out of them.
"""
import json
import pathlib

import pytest
import sqlalchemy as sa

from tests import inprocess

DATA = pathlib.Path(__file__).resolve().parent / 'data'
SKIP = {'mistral_metrics': {'created_at', 'updated_at'},
        'action_definitions_v2': {'id', 'created_at', 'updated_at'},
        'spares_pool': {'updated_at'}}


def table_rows(url, tables=None):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    out = {}
    with engine.connect() as conn:
        for table in tables or sa.inspect(conn).get_table_names():
            if table == 'alembic_version':
                continue
            rows = []
            reflected = sa.Table(table, sa.MetaData(), autoload_with=conn)
            for row in conn.execute(reflected.select()):
                rows.append({k: (v if v is None or isinstance(v, (int, str, float)) else str(v))
                             for k, v in row._mapping.items() if k not in SKIP.get(table, ())})
            if rows:
                out[table] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))
    engine.dispose()
    return out


def normalise(rows):
    """Booleans are 0/1 on MySQL and true/false elsewhere."""
    return json.loads(json.dumps(rows).replace('true', '1').replace('false', '0'))


def test_mistral_head_and_populate_rows(db_url):
    inprocess.run('mistral', db_url, 'upgrade', revision='head')
    first = inprocess.run('mistral', db_url, 'populate')
    assert 'std.wait_ssh' in first.details['populate']['inserted']
    second = inprocess.run('mistral', db_url, 'populate')
    assert second.details['populate']['inserted'] == []
    expected = json.loads((DATA / 'mistral_head_populated_rows.json').read_text())
    assert normalise(table_rows(db_url)) == normalise(expected)


def test_populate_actions_registers_the_shipped_actions_only(db_url, cli):
    inprocess.run('mistral', db_url, 'upgrade', revision='head')
    first = inprocess.run('mistral', db_url, 'populate_actions')
    assert first.details['populate'] == {'inserted': ['std.wait_ssh'], 'updated': [],
                                         'unchanged': []}
    again = inprocess.run('mistral', db_url, 'populate_actions')
    assert again.details['populate']['unchanged'] == ['std.wait_ssh']
    proc = cli.run('mistral', 'populate_actions', url=db_url)
    assert (proc.returncode, proc.stdout.strip()) == (
        0, 'Populated: inserted 0, updated 0, unchanged 1')
    # Octavia has no actions: lbaas-db-manage offers no such command.
    proc = cli.run('lbaas', 'populate_actions', url=db_url)
    assert proc.returncode == 2 and "invalid choice: 'populate_actions'" in proc.stderr


def test_populate_needs_head(cli, make_db):
    url = make_db('mysql')
    cli.run('mistral', 'upgrade', '044', url=url)
    proc = cli.run('mistral', 'populate', url=url)
    assert proc.returncode == 1 and 'run upgrade head first' in proc.stderr


def _execute(url, *statements):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()


def test_mistral_data_at_old_revisions_upgrades_like_upstream(db_url):
    """The data steps of 020, 022, 029, 037 and 038 on rows that predate them."""
    inprocess.run('mistral', db_url, 'upgrade', revision='019')
    _execute(db_url,
             "INSERT INTO task_executions_v2 (id, name, spec) VALUES "
             "('t1', 'sub', '{\"workflow\": \"wf\"}'), ('t2', 'act', '{\"action\": \"std.noop\"}')",
             "INSERT INTO workflow_definitions_v2 (id, name, project_id) VALUES ('w1', 'wf', 'p')",
             "INSERT INTO action_executions_v2 (id, name, workflow_name) VALUES "
             "('a1', 'x', 'wf'), ('a2', 'y', NULL)")
    inprocess.run('mistral', db_url, 'upgrade', revision='028')
    _execute(db_url, "INSERT INTO workbooks_v2 (id, name, project_id) VALUES ('b1', 'wb', 'p')")
    inprocess.run('mistral', db_url, 'upgrade', revision='036')
    _execute(db_url,
             "INSERT INTO action_definitions_v2 (id, name, project_id) VALUES ('d1', 'act', 'p')",
             "INSERT INTO delayed_calls_v2 (id, factory_method_path, target_method_name, "
             "execution_time, processing, key) VALUES "
             "('c1', 'f', 'm', '2020-01-01 00:00:00', false, NULL), "
             "('c2', 'f', 'm', '2020-01-01 00:00:00', false, 'k')"
             .replace(' key)', ' `key`)' if db_url.startswith('mysql') else ' key)'))
    inprocess.run('mistral', db_url, 'upgrade', revision='head')
    rows = table_rows(db_url, ['task_executions_v2', 'workflow_definitions_v2',
                               'action_executions_v2', 'workbooks_v2',
                               'action_definitions_v2', 'delayed_calls_v2'])
    assert {r['id']: r['type'] for r in rows['task_executions_v2']} == {
        't1': 'WORKFLOW', 't2': 'ACTION'}
    assert [r['namespace'] for r in rows['workflow_definitions_v2']] == ['']
    assert {r['id']: r['workflow_namespace'] for r in rows['action_executions_v2']} == {
        'a1': '', 'a2': None}
    assert [r['namespace'] for r in rows['workbooks_v2']] == ['']
    # Upstream's 037 filters on a Python expression that matches no row.
    assert [r['namespace'] for r in rows['action_definitions_v2']] == [None]
    assert [r['id'] for r in rows['delayed_calls_v2']] == ['c2']



CALLS_AT_001 = (
    "INSERT INTO delayed_calls_v2 (id, factory_method_path, target_method_name, "
    "method_arguments, serializers, auth_context, execution_time) VALUES "
    "('c1', 'mistral.engine', 'run', '[1, 2]', NULL, '{}', '2020-01-01 00:00:00'), "
    "('c2', NULL, 'run', NULL, NULL, NULL, '2020-01-02 00:00:00'), "
    "('c3', 'mistral.executor', 'stop', '{}', '{}', NULL, '2020-01-03 00:00:00')")


def _quote_key(url, statement):
    return statement.replace('key', '`key`') if url.startswith('mysql') else statement


def test_mistral_delayed_calls_at_001_upgrade_to_head_in_one_run(db_url):
    """Upstream fails at 006 on PostgreSQL (NOT NULL column, no default, rows present)."""
    inprocess.run('mistral', db_url, 'upgrade', revision='001')
    _execute(db_url, CALLS_AT_001)
    result = inprocess.run('mistral', db_url, 'upgrade', revision='head')
    assert result.revision_after == ['045']
    # 019 adds the key column empty, so 038 deletes every call that predates it.
    assert table_rows(db_url, ['delayed_calls_v2']) == {}


def test_mistral_delayed_calls_at_001_get_processing_false_and_keep_their_key(db_url):
    inprocess.run('mistral', db_url, 'upgrade', revision='001')
    _execute(db_url, CALLS_AT_001)
    inprocess.run('mistral', db_url, 'upgrade', revision='037')
    calls = table_rows(db_url, ['delayed_calls_v2'])['delayed_calls_v2']
    assert [(c['id'], c['processing'], c['key']) for c in calls] == [
        ('c1', False, None), ('c2', False, None), ('c3', False, None)]
    _execute(db_url, _quote_key(db_url, "UPDATE delayed_calls_v2 SET key = 'k3' WHERE id = 'c3'"))
    inprocess.run('mistral', db_url, 'upgrade', revision='head')
    assert normalise(table_rows(db_url, ['delayed_calls_v2'])) == {'delayed_calls_v2': [
        {'created_at': None, 'updated_at': None, 'id': 'c3',
         'factory_method_path': 'mistral.executor', 'target_method_name': 'stop',
         'method_arguments': '{}', 'serializers': '{}', 'auth_context': None,
         'execution_time': '2020-01-03 00:00:00', 'processing': 0, 'key': 'k3'}]}

def test_lbaas_seed_rows_match_upstream(db_url):
    inprocess.run('lbaas', db_url, 'upgrade', revision='head')
    expected = json.loads((DATA / 'octavia_head_rows.json').read_text())
    assert normalise(table_rows(db_url)) == normalise(expected)


@pytest.mark.parametrize('server', ['mysql', 'postgresql', 'sqlite'])
def test_lbaas_populate_restores_deleted_rows_only(server, make_db):
    url = make_db(server)
    inprocess.run('lbaas', url, 'upgrade', revision='head')
    pristine = table_rows(url)
    _execute(url,
             "DELETE FROM algorithm WHERE name = 'ROUND_ROBIN'",
             "DELETE FROM provisioning_status",
             "DELETE FROM amphora_build_slots",
             "INSERT INTO protocol (name, description) VALUES ('CUSTOM', 'kept')")
    result = inprocess.run('lbaas', url, 'populate')
    assert result.details['populate']['inserted']['algorithm'] == 1
    after = table_rows(url)
    assert after.pop('protocol') == sorted(pristine.pop('protocol') + [
        {'name': 'CUSTOM', 'description': 'kept'}], key=lambda r: json.dumps(r, sort_keys=True))
    assert after == pristine
    again = inprocess.run('lbaas', url, 'populate')
    assert sum(again.details['populate']['inserted'].values()) == 0
    assert table_rows(url).pop('protocol') is not None
