"""The CLI as operators and automation use it: output, errors, exit codes."""
import concurrent.futures
import json
import time

import pytest
import sqlalchemy as sa

from tests import conftest


def test_first_command_works_with_no_setup(cli, tmp_path):
    proc = cli.run('mistral', 'upgrade', 'head')
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count('embedded database sqlite:///mistral.sqlite') == 1
    assert (tmp_path / 'mistral.sqlite').exists()
    assert cli.run('mistral', 'current').stdout.strip() == '045 (head)'


def test_json_result(cli, make_db):
    url = make_db('mysql')
    code, data = cli.json('mistral', 'upgrade', '+2', url=url)
    assert code == 0
    assert data['revision_before'] == [] and data['revision_after'] == ['002']
    assert [a['revision'] for a in data['applied']] == ['001', '002']
    assert all(a['duration'] >= 0 for a in data['applied'])
    assert data['heads'] == ['045'] and data['branches'] == []
    code, data = cli.json('mistral', 'upgrade', '--delta', '1', url=url)
    assert data['revision_after'] == ['003']


def test_history_marks_current(cli, make_db):
    url = make_db('postgresql')
    cli.run('mistral', 'upgrade', '003', url=url)
    out = cli.run('mistral', 'history', '-r', '002:004', url=url).stdout.splitlines()
    assert out == ['003 -> 004, %s' % out[0].split(', ', 1)[1],
                   '002 -> 003 (current), %s' % out[1].split(', ', 1)[1],
                   '001 -> 002, %s' % out[2].split(', ', 1)[1]]


def test_stamp_and_offline_stamp(cli, make_db):
    url = make_db('mysql')
    cli.run('mistral', 'upgrade', '045', url=url)
    code, data = cli.json('mistral', 'stamp', '044', url=url)
    assert code == 0 and data['revision_after'] == ['044']
    proc = cli.run('mistral', 'stamp', '045', '--sql', url=url)
    assert "INSERT INTO alembic_version (version_num) VALUES ('045')" in proc.stdout
    proc = cli.run('mistral', 'stamp', '044:045', '--sql', url=url)
    assert "UPDATE alembic_version SET version_num='045' WHERE" in proc.stdout


@pytest.mark.parametrize('args, code, message', [
    (('upgrade',), 2, 'needs a revision'),
    (('upgrade', 'nosuch'), 2, "unknown revision 'nosuch'"),
    (('upgrade', '+99'), 2, 'only 45 revision(s) above base'),
    (('stamp',), 2, 'stamp needs a revision'),
    (('stamp', 'nosuch'), 2, "unknown revision 'nosuch'"),
    (('downgrade', '-1'), 2, 'downgrade is not supported'),
])
def test_bad_input_is_one_line_and_changes_nothing(cli, make_db, args, code, message):
    url = make_db('mysql')
    proc = cli.run('mistral', *args, url=url)
    assert proc.returncode == code
    assert proc.stderr.strip().count('\n') == 0 and message in proc.stderr
    assert 'Traceback' not in proc.stderr
    engine = sa.create_engine(url)
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()


def test_missing_config_file(cli, tmp_path):
    proc = cli.run('mistral', 'current', conf=tmp_path / 'nope.conf')
    assert proc.returncode == 2
    assert proc.stderr.strip() == 'mistral-db-manage: error: config file not found: %s' % (
        tmp_path / 'nope.conf')



@pytest.mark.parametrize('where', ['config-file', 'config-dir', 'default-place'])
def test_config_without_connection_is_a_usage_error(cli, tmp_path, where):
    """The embedded database is for no configuration at all: a configuration
    without [database] connection must not migrate a new ./mistral.sqlite."""
    home = tmp_path / 'home'
    folder = {'config-file': tmp_path, 'config-dir': tmp_path / 'mistral.conf.d',
              'default-place': home / '.mistral'}[where]
    folder.mkdir(parents=True, exist_ok=True)
    conf = conftest.write_config(folder / 'mistral.conf', None, db_manage={'lock_timeout': 5})
    args = {'config-file': ('--config-file', conf), 'config-dir': ('--config-dir', folder),
            'default-place': ()}[where]
    for command in (('upgrade', 'head'), ('--json', 'current')):
        proc = cli.run('mistral', *args, *command, env={'HOME': str(home)})
        assert proc.returncode == 2, proc.stdout + proc.stderr
        error = (json.loads(proc.stdout)['error'] if '--json' in command
                 else proc.stderr.strip().removeprefix('mistral-db-manage: error: '))
        assert error.count('\n') == 0
        assert error.startswith('no [database] connection in %s' % conf), error
    assert not (tmp_path / 'mistral.sqlite').exists()


def test_config_file_that_is_a_folder(cli, tmp_path):
    proc = cli.run('mistral', 'upgrade', 'head', conf=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        'mistral-db-manage: error: cannot read config file %s: Is a directory' % tmp_path)
    assert not (tmp_path / 'mistral.sqlite').exists()

def test_malformed_url_is_masked(cli):
    proc = cli.run('mistral', 'current', url='mysql+nosuchdriver://u:hunter2@h/db')
    assert proc.returncode == 2
    assert 'malformed database URL' in proc.stderr and 'hunter2' not in proc.stderr


def test_unreachable_database_fails_fast_and_masked(cli):
    started = time.monotonic()
    proc = cli.run('mistral', 'upgrade', 'head',
                   url='mysql+pymysql://root:hunter2@127.0.0.1:1/db')
    assert proc.returncode == 1
    assert time.monotonic() - started < 15
    assert 'cannot connect to the database' in proc.stderr
    assert 'hunter2' not in proc.stderr + proc.stdout
    assert proc.stderr.strip().count('\n') == 0


def test_debug_shows_traceback(cli):
    proc = cli.run('mistral', '--debug', 'upgrade', 'head',
                   url='mysql+pymysql://root:hunter2@127.0.0.1:1/db')
    assert 'Traceback' in proc.stderr and 'hunter2' not in proc.stderr


def test_check_migration(cli):
    proc = cli.run('mistral', 'check_migration')
    assert proc.returncode == 0 and 'head 045' in proc.stdout
    assert cli.run('mistral', 'heads').stdout.strip() == '045 (head)'
    assert cli.run('mistral', 'branches').stdout.strip() == ''


@pytest.mark.parametrize('server', ('mysql', 'postgresql', 'sqlite'))
def test_concurrent_upgrades_apply_each_revision_once(server, cli, make_db):
    url = make_db(server)
    conf = conftest.write_config(cli.tmp_path / 'c.conf', url)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        procs = list(pool.map(lambda _: cli.run('mistral', '--json', 'upgrade', 'head',
                                                conf=conf), range(4)))
    assert [p.returncode for p in procs] == [0] * 4, [p.stderr for p in procs]
    applied = [a['revision'] for p in procs for a in json.loads(p.stdout)['applied']]
    assert sorted(applied) == ['%03d' % i for i in range(1, 46)]
    assert all(json.loads(p.stdout)['revision_after'] == ['045'] for p in procs)


def test_lock_timeout_exit_code(cli, make_db):
    url = make_db('mysql')
    engine = sa.create_engine(url)
    with engine.connect() as holder:
        name = holder.execute(sa.text('SELECT DATABASE()')).scalar()
        assert holder.execute(sa.text("SELECT GET_LOCK(:n, 1)"),
                              {'n': 'dbmanage.mistral.%s' % name}).scalar() == 1
        proc = cli.run('mistral', 'upgrade', 'head', url=url,
                       db_manage={'lock_timeout': 1})
    engine.dispose()
    assert proc.returncode == 3, proc.stderr
    assert 'lock_timeout' in proc.stderr


def test_revision_continues_three_digit_ids(cli, make_db, chain_copy):
    package, env = chain_copy
    url = make_db('postgresql')
    assert cli.run('mistral', 'upgrade', 'head', url=url, env=env).returncode == 0
    proc = cli.run('mistral', 'revision', '-m', 'add a column', '--autogenerate',
                   url=url, env=env)
    assert proc.returncode == 0, proc.stderr
    assert '(0 difference(s) from the database)' in proc.stdout
    made = list((package / 'mistral' / 'versions').glob('046_*.py'))
    assert len(made) == 1
    text = made[0].read_text()
    assert "revision = '046'" in text and "down_revision = '045'" in text
    assert 'def upgrade():\n    pass' in text
    assert not list((conftest.ROOT / 'alembic_migrations').rglob('046_*.py'))
    proc = cli.run('mistral', 'revision', '-m', 'again', '--rev-id', '046', env=env)
    assert proc.returncode == 2 and 'already exists' in proc.stderr
    proc = cli.run('lbaas', 'revision', '-m', 'new thing', env=env)
    assert proc.returncode == 0, proc.stderr
    made = list((package / 'lbaas' / 'versions').glob('*_new_thing.py'))
    assert "down_revision = 'fabf4983846b'" in made[0].read_text()


def _add_revision(package, rev, down):
    (package / 'mistral' / 'versions' / ('%s_extra.py' % rev)).write_text(
        '"""Extra."""\nrevision = %r\ndown_revision = %r\n\n\ndef upgrade():\n    pass\n'
        % (rev, down))


def test_check_migration_names_branch_points(cli, chain_copy):
    package, env = chain_copy
    _add_revision(package, '046', '044')
    proc = cli.run('mistral', 'check_migration', env=env)
    assert proc.returncode == 5
    assert 'the chain has 2 heads (045, 046); branch points: 044' in proc.stderr
    assert cli.run('mistral', 'branches', env=env).stdout.strip() == '044 (branchpoint)'
    proc = cli.run('mistral', 'upgrade', 'head', env=env)
    assert proc.returncode == 5 and 'several heads' in proc.stderr


def test_check_migration_broken_down_revision(cli, chain_copy):
    package, env = chain_copy
    _add_revision(package, '046', '999')
    proc = cli.run('mistral', 'check_migration', env=env)
    assert proc.returncode == 5
    assert 'broken migration chain' in proc.stderr and '999' in proc.stderr
    assert proc.stderr.strip().count('\n') == 0


def test_progress_only_on_a_terminal(cli, make_db):
    import os
    import pty
    import subprocess
    url = make_db('postgresql')
    conf = conftest.write_config(cli.tmp_path / 'p.conf', url)
    master, slave = pty.openpty()
    proc = subprocess.run([str(conftest.BIN / 'mistral-db-manage'), '--config-file', str(conf),
                           'upgrade', '+3'], stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    shown = os.read(master, 65536).decode()
    os.close(master)
    assert proc.returncode == 0
    assert 'applied 001' in shown and '2 remaining' in shown and '0 remaining' in shown
    assert 'remaining' not in proc.stdout
    quiet = cli.run('mistral', 'upgrade', '+1', url=url)
    assert 'remaining' not in quiet.stderr + quiet.stdout


@pytest.mark.parametrize('server', ('mysql', 'postgresql'))
def test_connection_killed_mid_upgrade_is_retried_or_fails_cleanly(server, cli, make_db):
    """Killing the migration's session server-side never leaves silent damage."""
    import subprocess
    url = make_db(server)
    # Replay the chain, so the session dies between two of its revisions.
    conf = conftest.write_config(cli.tmp_path / 'k.conf', url,
                                 db_manage={'fresh_install': 'chain'})
    proc = subprocess.Popen([str(conftest.BIN / 'mistral-db-manage'), '--config-file', str(conf),
                             '--debug', 'upgrade', 'head'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    name = url.rsplit('/', 1)[1].split('?')[0]
    admin = conftest._admin(server)
    started = 0
    for line in proc.stderr:
        if 'Running upgrade' in line:
            started += 1
            if started == 5:
                with admin.connect() as conn:
                    if server == 'mysql':
                        ids = conn.execute(sa.text(
                            'SELECT id FROM information_schema.processlist WHERE db = :d'),
                            {'d': name}).scalars().all()
                        for pid in ids:
                            conn.execute(sa.text('KILL %d' % pid))
                    else:
                        conn.execute(sa.text(
                            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
                            'WHERE datname = :d'), {'d': name})
                break
    out, err = proc.communicate(timeout=120)
    admin.dispose()
    if proc.returncode != 0:
        assert proc.returncode == 1
        assert err.strip().splitlines()[-1].startswith('mistral-db-manage: error: upgrade failed')
        assert cli.run('mistral', 'upgrade', 'head', conf=conf).returncode == 0
    expected = make_db(server)
    assert cli.run('mistral', 'upgrade', 'head', url=expected).returncode == 0
    assert conftest.schema_dump(url) == conftest.schema_dump(expected)
