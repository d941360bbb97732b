"""An upgrade that fails on a database error, through the real CLI: one line
on stderr (the traceback only with --debug), and a Result that says where
the run left the database."""
from dbmanage import errors

# Revision 046 of a private copy of Mistral's chain: a NOT NULL violation,
# an error no oslo.db filter names (it is "wrapped").
FAILING = '''"""Fail on a database error."""
from alembic import op
import sqlalchemy as sa

revision = '046'
down_revision = '045'


def upgrade():
    op.create_table('dbm_failing', sa.Column('id', sa.Integer, primary_key=True),
                    sa.Column('v', sa.Integer, nullable=False))
%s    op.execute('INSERT INTO dbm_failing (id, v) VALUES (1, NULL)')
'''
# Before failing, make the revision unreadable (MySQL commits DDL at once).
UNREADABLE = ("    op.execute('ALTER TABLE alembic_version CHANGE version_num v "
              "VARCHAR(32) NOT NULL')\n")


def _at_044_with_a_failing_046(cli, make_db, chain_copy, backend, before=''):
    """A Mistral database at 044 (the real chain), and the copy's failing 046;
    (URL, env) to run the copy's chain with."""
    url = make_db(backend)
    code, result = cli.json('mistral', 'upgrade', '044', url=url)
    assert code == 0, result
    package, env = chain_copy
    (package / 'mistral' / 'versions' / '046_failing.py').write_text(FAILING % before)
    return url, env


def test_a_database_error_is_one_line_without_debug(cli, make_db, chain_copy, backend):
    url, env = _at_044_with_a_failing_046(cli, make_db, chain_copy, backend)
    proc = cli.run('mistral', 'upgrade', 'head', url=url, env=env)
    assert proc.returncode == errors.FAILED, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        'mistral-db-manage: error: upgrade failed: '), proc.stderr
    debug = cli.run('mistral', '--debug', 'upgrade', 'head', url=url, env=env)
    assert debug.returncode == errors.FAILED
    assert 'Traceback (most recent call last)' in debug.stderr
    assert debug.stderr.strip().splitlines()[-1] == lines[0]


def test_a_failed_upgrade_says_where_it_left_the_database(cli, make_db, chain_copy, backend):
    url, env = _at_044_with_a_failing_046(cli, make_db, chain_copy, backend)
    code, result = cli.json('mistral', 'upgrade', 'head', url=url, env=env)
    assert code == errors.FAILED and result['error'].startswith('upgrade failed: '), result
    assert [a['revision'] for a in result['applied']] == ['045']
    assert (result['revision_before'], result['revision_after']) == (['044'], ['045'])
    assert 'revision_after_unknown' not in result['details']
    code, current = cli.json('mistral', 'current', url=url, env=env)
    assert current['revision_after'] == ['045']


def test_a_database_left_unreadable_is_said_so(cli, make_db, chain_copy):
    url, env = _at_044_with_a_failing_046(cli, make_db, chain_copy, 'mysql', UNREADABLE)
    code, result = cli.json('mistral', 'upgrade', 'head', url=url, env=env)
    # The run's own error stays the error; where it left the database is unknown.
    assert code == errors.FAILED and "'v' cannot be null" in result['error'], result
    assert result['revision_after'] == []
    assert "Unknown column 'version_num'" in result['details']['revision_after_unknown']
