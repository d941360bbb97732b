"""dbmanage.schema: every revision verifies clean, differences read as one line each."""
import importlib
import json

import pytest
import sqlalchemy as sa

import dbmanage.schema as schema
from dbmanage.schema import snapshots
from tests import inprocess

SERVICES = ('mistral', 'lbaas')


def _engine(url):
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def _execute(url, *statements):
    engine = _engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


def _verify(url, service, revision, tables=None):
    engine = _engine(url)
    with engine.connect() as conn:
        found = schema.verify(conn, service, revision, tables=tables)
    engine.dispose()
    return [str(d) for d in found]


# -- Every revision, and the data files are what the chain gives ---------------

# The six walks: 34 s on an idle 2-core machine, 2 min on a busy one.
@pytest.mark.parametrize('service', SERVICES)
def test_every_revision_verifies_clean_and_the_data_file_is_regenerated(
        service, backend, make_db):
    """One walk per chain and backend: at each revision the live schema and
    rows equal the recorded ones, and the file written from the walk is the
    shipped one, byte for byte (tools/schema_snapshots.py walks through the
    console programs, this test in-process: the same core)."""
    url = make_db(backend)
    chain = schema.revisions(service, backend)
    steps = []
    engine = _engine(url)
    for revision in chain:
        result = inprocess.run(service, url, 'upgrade', revision='+1')
        assert result.revision_after == [revision]
        with engine.connect() as conn:
            found = schema.reflect(conn, rows='all')
        assert [str(d) for d in schema.diff(found, schema.expected(service, backend, revision),
                                            revision, column_order=True)] == []
        steps.append((revision, found))
    engine.dispose()
    assert [r['revision'] for r in inprocess.run(service, url, 'history').history] == chain[::-1]
    text = snapshots.dumps(snapshots.build(service, backend, steps))
    assert text == snapshots.path(service, backend).read_text()


# -- Each kind of damage, as one exact line -------------------------------------

_DROP_INDEX = {'mysql': 'DROP INDEX scheduled_jobs_v2_key ON scheduled_jobs_v2',
               'postgresql': 'DROP INDEX scheduled_jobs_v2_key',
               'sqlite': 'DROP INDEX scheduled_jobs_v2_key'}


def test_each_difference_is_one_exact_line(backend, make_db):
    url = make_db(backend)
    inprocess.run('mistral', url, 'upgrade', revision='041')
    # 041 turned the column into TEXT: a database stamped 040 with that change.
    assert _verify(url, 'mistral', '040') == [
        'workflow_executions_v2.description: TEXT, expected VARCHAR(255) at 040']
    inprocess.run('mistral', url, 'upgrade', revision='head')
    assert _verify(url, 'mistral', '045') == []
    _execute(url, 'ALTER TABLE named_locks ADD COLUMN owner VARCHAR(20)',
             _DROP_INDEX[backend],
             'DELETE FROM mistral_metrics',
             'CREATE TABLE dbmanage_lock (id INTEGER)')
    assert _verify(url, 'mistral', '045') == [
        'row mistral_metrics (id=1): missing at 045',
        'column named_locks.owner: unexpected at 045',
        'index scheduled_jobs_v2_key on scheduled_jobs_v2: missing at 045',
    ]


@pytest.mark.parametrize('backend', ('mysql', 'postgresql'))
def test_the_types_nullability_and_defaults_each_spelled_per_backend(backend, make_db):
    url = make_db(backend)
    inprocess.run('lbaas', url, 'upgrade', revision='head')
    head = schema.revisions('lbaas', backend)[-1]
    default = {'mysql': "'normal'", 'postgresql': "'normal'::character varying",
               'sqlite': "'normal'"}[backend]
    changed = {
        'mysql': ['ALTER TABLE member MODIFY vnic_type VARCHAR(64) NULL',
                  'ALTER TABLE vip MODIFY vnic_type VARCHAR(80) NOT NULL DEFAULT \'normal\''],
        'postgresql': ['ALTER TABLE member ALTER COLUMN vnic_type DROP NOT NULL',
                       'ALTER TABLE member ALTER COLUMN vnic_type DROP DEFAULT',
                       'ALTER TABLE vip ALTER COLUMN vnic_type TYPE VARCHAR(80)'],
    }[backend]
    _execute(url, *changed)
    assert _verify(url, 'lbaas', head) == [
        'member.vnic_type: NULL, expected NOT NULL at %s' % head,
        'member.vnic_type: no default, expected DEFAULT %s at %s' % (default, head),
        'vip.vnic_type: VARCHAR(80), expected VARCHAR(64) at %s' % head,
    ]


def test_tables_keys_and_json(make_db):
    url = make_db('postgresql')
    inprocess.run('lbaas', url, 'upgrade', revision='head')
    head = schema.revisions('lbaas', 'postgresql')[-1]
    _execute(url, 'CREATE TABLE scratch (id INTEGER)',
             'DROP TABLE tags',
             'ALTER TABLE member DROP CONSTRAINT uq_member_pool_id_address_protocol_port',
             'ALTER TABLE sni DROP CONSTRAINT fk_sni_listener_id',
             'ALTER TABLE sni ADD CONSTRAINT fk_sni_listener_id FOREIGN KEY (listener_id) '
             'REFERENCES listener (id) ON DELETE CASCADE',
             "DELETE FROM protocol WHERE name = 'UDP'")
    engine = _engine(url)
    with engine.connect() as conn:
        found = schema.verify(conn, 'lbaas', head)
    engine.dispose()
    assert [str(d) for d in found] == [
        'unique key uq_member_pool_id_address_protocol_port on member: missing at %s' % head,
        "row protocol (name='UDP'): missing at %s" % head,
        'table scratch: unexpected at %s' % head,
        'foreign key fk_sni_listener_id on sni: (listener_id) -> listener (id) '
        'ON DELETE CASCADE, expected (listener_id) -> listener (id) at %s' % head,
        'table tags: missing at %s' % head,
    ]
    assert json.loads(json.dumps([d.to_dict() for d in found]))[0] == {
        'table': 'member', 'kind': 'unique', 'name': 'uq_member_pool_id_address_protocol_port',
        'found': None, 'expected': '(pool_id, ip_address, protocol_port)', 'revision': head,
        'message': str(found[0])}


def test_only_the_tables_pending_revisions_touch(make_db):
    url = make_db('mysql')
    inprocess.run('mistral', url, 'upgrade', revision='041')
    line = 'workflow_executions_v2.description: TEXT, expected VARCHAR(255) at 040'
    assert _verify(url, 'mistral', '040', tables=['workflow_executions_v2']) == [line]
    assert _verify(url, 'mistral', '040', tables=['workbooks_v2', 'mistral_metrics']) == []
    engine = _engine(url)
    with engine.connect() as conn:
        found = schema.reflect(conn, tables=['workflow_executions_v2', 'no_such_table'])
    engine.dispose()
    assert sorted(found.tables) == ['workflow_executions_v2']
    assert [str(d) for d in schema.diff(found, schema.expected('mistral', 'mysql', '040'),
                                        '040')] == [line]
    everything = schema.diff(schema.expected('mistral', 'mysql', '041'),
                             schema.expected('mistral', 'mysql', '040'), '040')
    assert [str(d) for d in schema.touched(everything, ['workflow_executions_v2'])] == [line]


# -- Which revision a database without alembic_version is at ------------------

@pytest.mark.parametrize('backend', ('mysql', 'sqlite'))
def test_matching_revisions(backend, make_db):
    url = make_db(backend)
    inprocess.run('mistral', url, 'upgrade', revision='036')
    _execute(url, 'DROP TABLE alembic_version')
    engine = _engine(url)
    with engine.connect() as conn:
        found = schema.reflect(conn, rows=schema.seeded_tables('mistral', backend))
    engine.dispose()
    # 035 and 036 change PostgreSQL only.
    assert schema.matching(found, 'mistral', backend) == ['034', '035', '036']
    _execute(url, 'DROP TABLE named_locks')
    engine = _engine(url)
    with engine.connect() as conn:
        found = schema.reflect(conn, rows=schema.seeded_tables('mistral', backend))
    engine.dispose()
    assert schema.matching(found, 'mistral', backend) == []
    revision, differences = schema.closest(found, 'mistral', backend)
    assert revision == '036'
    assert [str(d) for d in differences] == ['table named_locks: missing at 036']


def test_unknown_revision_or_dialect():
    with pytest.raises(schema.NoData, match='revision 999 is not in the recorded mistral chain'):
        schema.expected('mistral', 'mysql', '999')
    with pytest.raises(schema.NoData, match='no schema data for mistral on oracle'):
        schema.expected('mistral', 'oracle', '045')


# -- Databases made from the head models (what adopt would meet) ---------------

def _named_on_sqlite(kind, table, name):
    return '%s %s on %s: unnamed, expected named %s at 045' % (kind, name, table, name)


# Where metadata.create_all() of alembic_migrations/<service>/models.py differs
# from the head revision, seeded rows aside (create_all writes none).
MODELS_DIFFER = {
    ('mistral', 'mysql'): [],
    ('mistral', 'postgresql'): [
        # The chain keeps the key upstream's 003 and 014 both create.
        'unique key cron_triggers_v2_workflow_input_hash_workflow_name_pattern_key2 '
        'on cron_triggers_v2: missing at 045'],
    ('mistral', 'sqlite'): [
        # Batch mode names SQLite's keys; the models leave them unnamed.
        _named_on_sqlite('unique key', 'action_definitions_v2',
                         'action_definitions_v2_name_namespace_project_id_key'),
        _named_on_sqlite('foreign key', 'action_executions_v2',
                         'action_executions_v2_task_execution_id_fkey'),
        _named_on_sqlite('unique key', 'cron_triggers_v2', 'cron_triggers_v2_name_project_id_key'),
        _named_on_sqlite('unique key', 'cron_triggers_v2',
                         'cron_triggers_v2_workflow_input_hash_workflow_name_pattern_project_id_'
                         'workflow_params_hash_remaining_executions_first_execution_time_key'),
        # 006 keeps the default SQLite needs to add a NOT NULL column.
        'delayed_calls_v2.processing: no default, expected DEFAULT 0 at 045',
        _named_on_sqlite('unique key', 'task_executions_v2', 'task_executions_v2_unique_key_key'),
        _named_on_sqlite('unique key', 'workbooks_v2',
                         'workbooks_v2_name_namespace_project_id_key'),
        _named_on_sqlite('unique key', 'workflow_definitions_v2',
                         'workflow_definitions_v2_name_namespace_project_id_key'),
        # SQLite cannot add a key by ALTER: create_all writes the use_alter
        # key inside CREATE TABLE, unnamed.
        _named_on_sqlite('foreign key', 'workflow_executions_v2',
                         'workflow_executions_v2_task_execution_id_fkey')],
    ('lbaas', 'mysql'): [],
    ('lbaas', 'postgresql'): [],
    ('lbaas', 'sqlite'): [],
}


@pytest.mark.parametrize('service', SERVICES)
def test_a_database_made_from_the_head_models(service, backend, make_db):
    models = importlib.import_module('alembic_migrations.%s.models' % service)
    url = make_db(backend)
    engine = _engine(url)
    # A copy: create_all on one backend marks the shared metadata's use_alter
    # keys as created, and a later SQLite create_all would then leave them out.
    metadata = sa.MetaData()
    for table in models.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.create_all(engine)
    with engine.connect() as conn:
        found = schema.reflect(conn, rows=schema.seeded_tables(service, backend))
    engine.dispose()
    head = schema.revisions(service, backend)[-1]
    wanted = schema.expected(service, backend, head)
    differences = schema.diff(found, wanted, head)
    assert [str(d) for d in differences if d.kind != 'row'] == MODELS_DIFFER[service, backend]
    assert len([d for d in differences if d.kind == 'row']) == sum(map(len, wanted.rows.values()))
    # Without its rows, such a database is recognised when its schema is the head's.
    found.rows = None
    assert schema.matching(found, service, backend) == (
        [] if MODELS_DIFFER[service, backend] else [head])
