"""No password of any shape in any output: the password position of every URL
is masked as the URL is parsed, and a known password wherever it stands."""
import json
import uuid
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from dbmanage import masking
from tests import conftest

# Stand-ins for a password equal to the user name or the database name.
USER, DATABASE = 'USER', 'DATABASE'

# (password, percent-encoded in the URL): raw where the database URL parser
# reads it raw, encoded where it must be (or where operators often do).
SHAPES = [
    pytest.param('pa/ss/wd', False, id='slash'),
    pytest.param('Xy/9#kq', False, id='slash-hash-short'),
    pytest.param('Xy/9#kq', True, id='slash-hash-encoded'),
    pytest.param('pa#ss#wd', False, id='hash'),
    pytest.param('pa?ss?wd', False, id='question'),
    pytest.param('pa@ss@wd', True, id='at'),
    pytest.param('pa:ss:wd', False, id='colon'),
    pytest.param('pa%ss%41', True, id='percent'),
    pytest.param('pa&ss&wd', False, id='ampersand'),
    pytest.param('pa=ss=wd', False, id='equals'),
    pytest.param('pa;ss;wd', False, id='semicolon'),
    pytest.param('pa,ss,wd', False, id='comma'),
    pytest.param('pa\'ss"wd', False, id='quotes'),
    pytest.param('pa ss wd', True, id='space'),
    pytest.param('pässwörd', False, id='non-ascii'),
    pytest.param('pässwörd', True, id='non-ascii-encoded'),
    pytest.param('k#9', False, id='three-chars'),
    pytest.param(USER, False, id='user-name'),
    pytest.param(DATABASE, False, id='database-name'),
]


def assert_hidden(text, password, readable):
    """No form of the password in text; a password that is also a name the
    operator reads is only checked in the password position."""
    for form in conftest.password_forms(password):
        hidden = ':%s@' % form if readable else form
        assert hidden not in text, text


# -- masking.scrub, in this process -------------------------------------------

URLS = {
    'database': 'mysql+pymysql://%(user)s:%(pw)s@db1:3306/mistral_db?charset=utf8mb4',
    'transport': 'rabbit://%(user)s:%(pw)s@rabbit1:5672,%(user)s:%(pw)s@rabbit2:5672/openstack',
    'coordinator': 'redis://:%(pw)s@redis1:6379?db=2',
}
TEXTS = ['%s', 'Current revision(s) for %s:',
         "cannot connect to the database %s: Access denied for user 'u'@'h' (using password: YES)"]
UNIT_NAMES = {USER: 'mistral', DATABASE: 'mistral_db'}
# The names each URL above shows, which stay readable.
NAMES = {'database': {'mistral', 'mistral_db'}, 'transport': {'mistral'}, 'coordinator': set()}


@pytest.fixture
def fresh_masking(monkeypatch):
    """No password or name known from another test of this process."""
    monkeypatch.setattr(masking, '_secrets', set())
    monkeypatch.setattr(masking, '_names', set())


def _url(kind, password, encoded):
    password = UNIT_NAMES.get(password, password)
    pw = quote(password, safe='') if encoded else password
    return URLS[kind] % {'user': 'mistral', 'pw': pw}, password


@pytest.mark.parametrize('kind', sorted(URLS))
@pytest.mark.parametrize('encoded', [False, True], ids=['raw', 'encoded'])
@pytest.mark.parametrize('shape, _', SHAPES)
def test_scrub_masks_the_password_position_unregistered(fresh_masking, shape, _, encoded, kind):
    url, password = _url(kind, shape, encoded)
    if ' ' in url:
        # Text has no URL ending, so a URL ends at a blank there; a configured
        # URL with a raw blank is masked once registered (test below).
        return
    expected = URLS[kind] % {'user': 'mistral', 'pw': masking.MASK}
    for text in TEXTS:
        assert masking.scrub(text % url) == text % expected
    assert masking.scrub(json.dumps({'database': url})) == json.dumps({'database': expected})


@pytest.mark.parametrize('kind', sorted(URLS))
@pytest.mark.parametrize('encoded', [False, True], ids=['raw', 'encoded'])
@pytest.mark.parametrize('shape, _', SHAPES)
def test_scrub_hides_a_registered_password_anywhere(fresh_masking, shape, _, encoded, kind):
    url, password = _url(kind, shape, encoded)
    masking.register_url(url)
    assert masking.scrub(url) == URLS[kind] % {'user': 'mistral', 'pw': masking.MASK}
    text = masking.scrub('the password %s was refused for mistral on db1' % password)
    assert_hidden(text, password, readable=password in NAMES[kind])
    if password in NAMES[kind]:
        assert text == 'the password %s was refused for mistral on db1' % password


def test_scrub_leaves_urls_without_password_alone(fresh_masking):
    for text in ('mysql+pymysql://root@127.0.0.1:3306/db?charset=utf8mb4',
                 'etcd3+http://etcd1:2379?api_version=v3', 'sqlite:///mistral.sqlite',
                 'redis://127.0.0.1:6379 refused; user u@h', 'rabbit://h1:5672,h2:5672/'):
        assert masking.scrub(text) == text


def test_scrub_masks_password_keys(fresh_masking):
    assert masking.scrub("connect(host='h', password='k#9')") == "connect(host='h', password='***')"
    assert masking.scrub("{'password': 'k#9', 'user': 'u'}") == "{'password': '***', 'user': 'u'}"


# -- every output of the CLI, on a real MariaDB user per shape -----------------

@pytest.mark.parametrize('shape, encoded', SHAPES)
def test_no_output_shows_the_password(cli, make_db, mysql_user, shape, encoded):
    url = make_db('mysql')
    parsed = sa.engine.make_url(url)
    user = 'mk%s' % uuid.uuid4().hex[:10]
    password = {USER: user, DATABASE: parsed.database}.get(shape, shape)
    mysql_user(url, user, password)
    login = conftest.login_url(url, user, password, encoded)
    masked = conftest.login_url(url, user, masking.MASK, encoded=False)
    closed = '@%s:%s/' % (parsed.host, parsed.port), '@%s:1/' % parsed.host
    outputs = []

    def run(*args, url=login):
        proc = cli.run('mistral', *args, url=url)
        outputs.append(proc.stdout + proc.stderr)
        return proc

    proc = run('--json', 'current')
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)['database'] == masked
    assert run('--debug', 'upgrade', 'head').returncode == 0
    proc = run('--json', 'upgrade', 'head')
    assert json.loads(proc.stdout)['database'] == masked
    proc = run('current', '--verbose')
    assert proc.stdout.startswith('Current revision(s) for %s:\nRev: 045' % masked), proc.stdout
    assert run('break_lock', '--confirm').returncode == 0
    assert run('--json', 'break_lock').returncode == 0
    for args in (('current',), ('--json', 'current'), ('--debug', 'upgrade', 'head')):
        proc = run(*args, url=login.replace(*closed))
        assert proc.returncode == 1
        assert masked.replace(*closed) in proc.stdout + proc.stderr
    stranger = login.replace(user + ':', 'nosuch%s:' % user[2:], 1)
    proc = run('--json', 'current', url=stranger)
    assert proc.returncode == 1 and 'Access denied' in json.loads(proc.stdout)['error']
    for text in outputs:
        assert_hidden(text, password, readable=shape in (USER, DATABASE))
