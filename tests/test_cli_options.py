"""The programs take what the upstream programs take: every option of
their --help (oslo.log's included, with the same effect), --version,
--shell_completion, and the config files Octavia's operators keep."""
import importlib.util
import json
import subprocess
import sys
from importlib import metadata

import pytest

from tests import conftest
from tools import cli_options

UPSTREAM = conftest.DATA / 'upstream_cli_options.json'
#: Our program for each upstream one.
OURS = {'mistral-db-manage': 'mistral-db-manage', 'octavia-db-manage': 'lbaas-db-manage'}
#: Upstream commands not offered, and why.
NOT_OFFERED = {('octavia-db-manage', 'upgrade_persistence'):
               "taskflow's jobboard tables, in [task_flow] persistence_connection: "
               "another database than the service's"}


def _upstream(program):
    """The upstream program's options: from its parser where it is
    installed here, else as recorded (tests/data, with its source)."""
    recorded = json.loads(UPSTREAM.read_text())
    package = recorded['source'][program]['package']
    if importlib.util.find_spec(package) and metadata.entry_points(
            group='console_scripts', name=program):
        return cli_options.describe(sys.executable, program)
    return recorded['programs'][program]


def test_the_recorded_upstream_options_name_their_source():
    recorded = json.loads(UPSTREAM.read_text())
    assert recorded['source'] == {
        'mistral-db-manage': {'package': 'mistral', 'version': '23.0.0'},
        'octavia-db-manage': {'package': 'octavia', 'version': '19.0.0'}}
    assert recorded['produced_by'].startswith('tools/cli_options.py')
    assert '--log-file' in recorded['programs']['mistral-db-manage']['options']


@pytest.mark.parametrize('upstream', sorted(OURS))
def test_every_upstream_option_exists_in_ours(upstream):
    theirs = _upstream(upstream)
    ours = cli_options.describe(sys.executable, OURS[upstream])
    assert sorted(set(theirs['options']) - set(ours['options'])) == []
    for command, options in sorted(theirs['commands'].items()):
        if (upstream, command) in NOT_OFFERED:
            assert command not in ours['commands']
            continue
        assert command in ours['commands'], command
        assert sorted(set(options) - set(ours['commands'][command])) == [], command


@pytest.mark.parametrize('program', ['mistral-db-manage', 'lbaas-db-manage', 'dbmanage-agent'])
def test_version(program, tmp_path):
    proc = subprocess.run([str(conftest.BIN / program), '--version'], capture_output=True,
                          text=True, cwd=tmp_path)
    assert (proc.returncode, proc.stdout.strip(), proc.stderr) == (
        0, metadata.version('dbmanage'), '')


# -- oslo.log's options -----------------------------------------------------------

def test_log_file_gets_the_log_lines_masked(cli, tmp_path):
    log = tmp_path / 'run.log'
    proc = cli.run('mistral', '--log-file', log, '--debug', 'upgrade', 'head',
                   url='mysql+pymysql://root:hunter2@127.0.0.1:1/db')
    assert proc.returncode == 1
    # The result is still one line on stderr; the log lines are in the file.
    assert proc.stderr.startswith('mistral-db-manage: error: ') and \
        proc.stderr.strip().count('\n') == 0, proc.stderr
    text = log.read_text()
    assert 'Traceback' in text and 'DEBUG dbmanage' in text
    assert 'hunter2' not in text + proc.stderr + proc.stdout


def test_log_dir_in_a_config_file(cli, tmp_path):
    """As upstream: a config file's oslo.log options apply, at oslo.log's
    level (INFO)."""
    folder = tmp_path / 'logs'
    folder.mkdir()
    proc = cli.run('mistral', 'upgrade', 'head', url='sqlite:///%s' % (tmp_path / 'm.sqlite'),
                   DEFAULT={'log_dir': folder})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == '' and 'Database is at 045 (head)' in proc.stdout
    text = (folder / 'mistral-db-manage.log').read_text()
    assert ' INFO dbmanage_agent.manager [-] audit: ' in text and 'command=upgrade' in text


def test_use_json_keeps_stdout_for_the_result(cli):
    proc = cli.run('mistral', '--use-json', '--json', 'upgrade', 'head')
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)['revision_after'] == ['045']
    lines = [json.loads(line) for line in proc.stderr.splitlines()]
    assert any('using the embedded database' in line['message'] for line in lines)


def test_log_config_append_with_oslo_logs_formatter(cli, tmp_path):
    log = tmp_path / 'from-config.log'
    ini = tmp_path / 'logging.ini'
    ini.write_text(
        '[loggers]\nkeys = root\n[handlers]\nkeys = file\n[formatters]\nkeys = context\n'
        '[logger_root]\nlevel = INFO\nhandlers = file\n'
        '[handler_file]\nclass = FileHandler\nformatter = context\nargs = (%r,)\n'
        '[formatter_context]\nclass = oslo_log.formatters.ContextFormatter\n' % str(log))
    proc = cli.run('mistral', '--log-config-append', ini, 'upgrade', 'head')
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ''
    assert 'using the embedded database' in log.read_text()


def test_a_log_file_that_cannot_be_written_is_one_line(cli, tmp_path):
    proc = cli.run('mistral', '--log-file', tmp_path / 'missing' / 'x.log', 'upgrade', 'head')
    assert proc.returncode == 2
    assert proc.stderr.startswith('mistral-db-manage: error: cannot set up logging as '
                                  'configured: ') and proc.stderr.count('\n') == 1
    assert not (tmp_path / 'mistral.sqlite').exists()


def test_short_debug_flag(cli):
    proc = cli.run('mistral', '-d', 'upgrade', 'head',
                   url='mysql+pymysql://root:hunter2@127.0.0.1:1/db')
    assert 'Traceback' in proc.stderr and 'hunter2' not in proc.stderr


# -- --shell_completion -------------------------------------------------------------

def _completion(shell, program='mistral-db-manage'):
    proc = subprocess.run([str(conftest.BIN / program), '--shell_completion', shell],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == '', proc.stderr
    return proc.stdout


BASH_COMPLETE = '''
source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
_mistral_db_manage
printf '%s\\n' "${COMPREPLY[@]}"
'''


@pytest.mark.parametrize('words, expected', [
    (['--log-f'], ['--log-file']),
    (['up'], ['upgrade']),
    (['--config-file', '/etc/x.conf', 'upgrade', '--'], ['--delta', '--help', '--online', '--sql']),
    (['--shell_completion', ''], ['bash', 'zsh']),
    (['revision', '--'], ['--autogenerate', '--help', '--message', '--rev-id', '--sql']),
])
def test_bash_completion(tmp_path, words, expected):
    script = tmp_path / 'completion.bash'
    script.write_text(_completion('bash'))
    proc = subprocess.run(['bash', '-c', BASH_COMPLETE, 'bash', str(script),
                           'mistral-db-manage', *words], capture_output=True, text=True)
    assert proc.stderr == ''
    assert sorted(proc.stdout.split()) == expected


def test_bash_completion_of_paths(tmp_path):
    (tmp_path / 'logs').mkdir()
    script = tmp_path / 'completion.bash'
    script.write_text(_completion('bash'))
    proc = subprocess.run(['bash', '-c', BASH_COMPLETE, 'bash', str(script),
                           'mistral-db-manage', '--log-dir', str(tmp_path / 'lo')],
                          capture_output=True, text=True)
    assert proc.stdout.split() == [str(tmp_path / 'logs')]


# Drives an interactive zsh: the completion system lists what a Tab offers.
ZSH_COMPLETE = r'''
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z 'PROMPT=; RPROMPT=; autoload -U compinit; compinit -u -D'
zpty -w z "source ${(q)1}"
# compadd prints what it is given (a call that only asks, -O/-A/-D, is passed on).
zpty -w z 'compadd () {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a hits; builtin compadd -A hits "$@"; print -rl -- "H""IT:"${^hits}
}'
# The Tab goes once the line editor waits for it behind the next prompt: typed
# ahead of it, the terminal takes it in as a plain character. The quotes
# reach the inner shell, so that the terminal's echo of a line typed ahead
# does not hold the word it waits for.
zpty -w z "PROMPT=RE''ADY"
local line
zpty -r z line '*READY'
zpty -n -w z "$2"$'\t'
zpty -w z $'\n'"print END''OF''LIST"
while zpty -r z line; do
  [[ $line == *ENDOFLIST* ]] && break
  [[ $line == *HIT:* ]] && print -r -- ${${line##*HIT:}%%[[:space:]]#}
done
zpty -d z
'''


@pytest.mark.parametrize('line, expected', [
    ('mistral-db-manage up', {'upgrade'}),
    ('mistral-db-manage --log-fi', {'--log-file'}),
    ('mistral-db-manage upgrade --', {'--delta', '--help', '--online', '--sql'}),
    ('mistral-db-manage --shell_completion ', {'bash', 'zsh'}),
])
def test_zsh_completion(tmp_path, line, expected):
    script = tmp_path / '_mistral-db-manage'
    script.write_text(_completion('zsh'))
    assert subprocess.run(['zsh', '-n', str(script)]).returncode == 0
    proc = subprocess.run(['zsh', '-f', '-c', ZSH_COMPLETE, 'zsh', str(script), line],
                          capture_output=True, text=True, timeout=60)
    assert set(proc.stdout.split()) == expected, proc.stdout + proc.stderr


def test_completion_for_another_shell_is_one_line(tmp_path):
    proc = subprocess.run([str(conftest.BIN / 'lbaas-db-manage'), '--shell_completion', 'fish'],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == ("lbaas-db-manage: error: --shell_completion takes bash or zsh, "
                           "not 'fish'\n")


# -- config files -------------------------------------------------------------------

def _octavia_home(tmp_path, url):
    home = tmp_path / 'home'
    (home / '.octavia').mkdir(parents=True)
    conftest.write_config(home / '.octavia' / 'octavia.conf', url)
    return home


def test_lbaas_reads_octavias_config_file(cli, make_db, tmp_path):
    url = make_db('postgresql')
    home = _octavia_home(tmp_path, url)
    code, data = cli.json('lbaas', 'upgrade', 'head', env={'HOME': str(home)})
    assert code == 0, data
    assert data['revision_after'] == ['fabf4983846b']
    assert not (tmp_path / 'lbaas.sqlite').exists()
    assert conftest.rows(url, 'alembic_version', 'version_num') == [
        {'version_num': 'fabf4983846b'}]


def test_lbaas_conf_comes_before_octavia_conf(cli, tmp_path):
    home = _octavia_home(tmp_path, 'sqlite:///%s' % (tmp_path / 'octavia.sqlite'))
    (home / '.lbaas').mkdir()
    conftest.write_config(home / '.lbaas' / 'lbaas.conf',
                          'sqlite:///%s' % (tmp_path / 'lbaas.sqlite'))
    proc = cli.run('lbaas', 'upgrade', 'head', env={'HOME': str(home)})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / 'lbaas.sqlite').exists() and not (tmp_path / 'octavia.sqlite').exists()


def test_mistral_does_not_read_octavias_config_file(cli, tmp_path):
    home = _octavia_home(tmp_path, 'sqlite:///%s' % (tmp_path / 'octavia.sqlite'))
    proc = cli.run('mistral', 'upgrade', 'head', env={'HOME': str(home)})
    assert proc.returncode == 0 and 'embedded database' in proc.stderr
    assert not (tmp_path / 'octavia.sqlite').exists()

