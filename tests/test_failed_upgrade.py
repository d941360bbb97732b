"""An upgrade that fails on a database error, through the real CLI: one line
on stderr (the traceback only with --debug)."""
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
    op.execute('INSERT INTO dbm_failing (id, v) VALUES (1, NULL)')
'''


def _at_044_with_a_failing_046(cli, make_db, chain_copy, backend):
    """A Mistral database at 044 (the real chain), and the copy's failing 046;
    (URL, env) to run the copy's chain with."""
    url = make_db(backend)
    code, result = cli.json('mistral', 'upgrade', '044', url=url)
    assert code == 0, result
    package, env = chain_copy
    (package / 'mistral' / 'versions' / '046_failing.py').write_text(FAILING)
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

