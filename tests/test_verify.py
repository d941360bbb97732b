"""``verify``, the check before ``upgrade``, and ``adopt``, on every backend.

A database changed by hand (a column added, an index dropped, a type
changed, a seeded row deleted) is named by ``verify`` one difference per
line, with exit code 9; an ``upgrade`` whose pending revisions change such a
table stops before its first statement, the database untouched; a database
the service created from its own models is adopted, then upgrades as any
other.
"""
import json

import pytest
import sqlalchemy as sa

from dbmanage import errors
from tests import conftest
from tests import inprocess
from tests.test_agent import agents, remote, topics  # noqa: F401  (fixtures)

MISTRAL_HEAD = '045'
# lbaas revision 6ac558d7fc21 seeds a protocol row: at its parent the
# protocol table is one the pending revisions change.
LBAAS_PARENT = 'b8bd389cbae7'


def _sql(url, *statements):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()


def _retype_description(url, backend, length):
    """workflow_executions_v2.description becomes VARCHAR(length)."""
    if backend == 'mysql':
        _sql(url, 'ALTER TABLE workflow_executions_v2 MODIFY description VARCHAR(%d)' % length)
    elif backend == 'postgresql':
        _sql(url, 'ALTER TABLE workflow_executions_v2 ALTER COLUMN description '
                  'TYPE VARCHAR(%d)' % length)
    else:   # SQLite alters a type only by rebuilding the table, as Alembic's batch mode does
        from alembic.operations import Operations
        from alembic.runtime.migration import MigrationContext
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.begin() as conn:
            with Operations(MigrationContext.configure(conn)).batch_alter_table(
                    'workflow_executions_v2') as batch:
                batch.alter_column('description', type_=sa.String(length))
        engine.dispose()


def _drop_index(url, backend):
    _sql(url, 'DROP INDEX workflow_executions_v2_state%s'
         % (' ON workflow_executions_v2' if backend == 'mysql' else ''))


# (change made by hand, the line at revision R) for workflow_executions_v2,
# which revision 041 changes.
DRIFTS = {
    'column': (lambda url, backend: _sql(url, 'ALTER TABLE workflow_executions_v2 '
                                              'ADD COLUMN dbm_extra INTEGER'),
               'column workflow_executions_v2.dbm_extra: unexpected at %s'),
    'index': (_drop_index,
              'index workflow_executions_v2_state on workflow_executions_v2: missing at %s'),
    'type': (lambda url, backend: _retype_description(url, backend, 300),
             'workflow_executions_v2.description: VARCHAR(300), expected %s at %s'),
}
DESCRIPTION = {MISTRAL_HEAD: 'TEXT', '040': 'VARCHAR(255)'}


def _line(drift, revision):
    line = DRIFTS[drift][1]
    return line % (DESCRIPTION[revision], revision) if drift == 'type' else line % revision


def _at(url, service, revision):
    result = inprocess.commands.execute(inprocess.context(service, url, fresh_install='chain'),
                                        'upgrade', {'revision': revision})
    assert result.ok, result.error


def _verify(url, service='mistral'):
    return inprocess.commands.execute(inprocess.context(service, url), 'verify')


@pytest.mark.parametrize('drift', sorted(DRIFTS) + ['row'])
def test_verify_names_each_difference(db_url, backend, drift, cli):
    inprocess.run('mistral', db_url, 'upgrade', revision='head')
    assert _verify(db_url).exit_code == 0
    if drift == 'row':
        _sql(db_url, 'DELETE FROM mistral_metrics')
        line = 'row mistral_metrics (id=1): missing at %s' % MISTRAL_HEAD
    else:
        DRIFTS[drift][0](db_url, backend)
        line = _line(drift, MISTRAL_HEAD)
    result = _verify(db_url)
    assert (result.exit_code, result.error) == (errors.DRIFTED, None)
    assert [d['message'] for d in result.details['differences']] == [line]
    proc = cli.run('mistral', 'verify', url=db_url)
    assert proc.returncode == errors.DRIFTED, proc.stderr
    assert proc.stdout.splitlines() == [line, '1 difference(s) from %s' % MISTRAL_HEAD]


@pytest.mark.parametrize('drift', sorted(DRIFTS))
def test_upgrade_stops_before_its_first_statement(db_url, backend, drift):
    _at(db_url, 'mistral', '040')
    DRIFTS[drift][0](db_url, backend)
    before = conftest.schema_dump(db_url)
    result = inprocess.commands.execute(inprocess.context('mistral', db_url), 'upgrade',
                                        {'revision': 'head'})
    assert result.exit_code == errors.DRIFTED, result.error
    assert result.error.startswith('upgrade stopped before changing anything: %s; '
                                   % _line(drift, '040')), result.error
    assert result.applied == []
    assert conftest.schema_dump(db_url) == before


def test_upgrade_stops_on_a_missing_seeded_row(db_url):
    _at(db_url, 'lbaas', LBAAS_PARENT)
    _sql(db_url, "DELETE FROM protocol WHERE name = 'HTTP'")
    before = conftest.schema_dump(db_url)
    result = inprocess.commands.execute(inprocess.context('lbaas', db_url), 'upgrade',
                                        {'revision': 'head'})
    assert result.exit_code == errors.DRIFTED, result.error
    assert "row protocol (name='HTTP'): missing at %s" % LBAAS_PARENT in result.error
    assert conftest.schema_dump(db_url) == before


def test_the_check_before_upgrade_can_be_turned_off(make_db):
    url = make_db('mysql')
    _at(url, 'mistral', '040')
    DRIFTS['column'][0](url, 'mysql')
    ctx = inprocess.context('mistral', url, preflight=False)
    result = inprocess.commands.execute(ctx, 'upgrade', {'revision': 'head'})
    assert result.ok, result.error


@pytest.mark.parametrize('service, backend', [('mistral', 'mysql'), ('lbaas', 'mysql'),
                                              ('lbaas', 'postgresql'), ('lbaas', 'sqlite')])
def test_a_database_the_service_created_is_adopted_then_upgraded(service, backend, make_db,
                                                                  cli, chain_copy):
    import importlib
    url = make_db(backend)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    importlib.import_module('alembic_migrations.%s.models' % service).metadata.create_all(engine)
    engine.dispose()
    code, found = cli.json(service, 'verify', url=url)
    assert code == errors.DRIFTED
    details = found['details']
    head = found['heads'][0]
    assert details['unmanaged'] and details['created_from_models'], details
    assert details['matching'][-1] == head and details['differences'] == []
    refused = cli.run(service, 'adopt', url=url)
    assert refused.returncode == errors.USAGE and '--confirm' in refused.stderr
    code, adopted = cli.json(service, 'adopt', '--confirm', url=url)
    assert code == 0, adopted
    assert adopted['revision_after'] == [head] and adopted['details']['adopted'] == head
    assert cli.run(service, 'verify', url=url).returncode == 0
    # Upgraded as any other database: a new revision applies.
    package, env = chain_copy
    (package / service / 'versions' / 'dbm_next.py').write_text(
        '"""Next."""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        'revision = "dbm_next"\ndown_revision = "%s"\n\n\ndef upgrade():\n'
        '    op.create_table("dbm_next", sa.Column("id", sa.Integer, primary_key=True))\n' % head)
    code, upgraded = cli.json(service, 'upgrade', 'head', url=url, env=env)
    assert code == 0, upgraded
    assert [a['revision'] for a in upgraded['applied']] == ['dbm_next']


def test_adopt_refuses_a_database_that_matches_no_revision(make_db, cli):
    url = make_db('mysql')
    _sql(url, 'CREATE TABLE workbooks_v2 (id INTEGER PRIMARY KEY)')
    proc = cli.run('mistral', 'adopt', '--confirm', url=url)
    assert proc.returncode == errors.DRIFTED
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and 'matches no revision, nothing was changed' in lines[0], lines
    assert conftest.rows(url, 'workbooks_v2', 'id') == []
    assert 'alembic_version' not in sa.inspect(sa.create_engine(url)).get_table_names()


def test_verify_through_the_agent_answers_the_same(make_db, agents, remote, cli):  # noqa: F811
    url = make_db('mysql')
    inprocess.run('mistral', url, 'upgrade', revision='head')
    DRIFTS['column'][0](url, 'mysql')
    agents(url)
    local = cli.run('mistral', 'verify', url=url)
    through = remote('mistral', 'verify')
    assert (through.returncode, through.stdout) == (local.returncode, local.stdout)
    assert through.returncode == errors.DRIFTED
    assert json.loads(remote('mistral', '--json', 'verify').stdout)['details'] == \
        json.loads(cli.run('mistral', '--json', 'verify', url=url).stdout)['details']
