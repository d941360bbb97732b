"""Keep credentials out of every line dbmanage prints, logs, replies or emits.

Secrets are masked as values, never as parts of other words:

* the password field of every URL (each host of a multi-host URL), and the
  value of ``key=value`` pairs with a password key, whether or not the
  process has seen that secret before;
* every secret the process learns (database and broker passwords, through
  ``register``/``register_url``) wherever it stands as a whole token, whatever
  library formatted the text. A secret that is short or equal to a name the
  operator needs to read (the user, database, host or service name: lab
  credentials like ``mistral:mistral@.../mistral``) is masked only in the two
  positions above, so names stay readable.
"""
import logging
import re
from urllib.parse import unquote

MASK = '***'
#: A secret shorter than this is too likely to be an ordinary word.
MIN_FREE_LENGTH = 8
_secrets = set()
_names = set()
_URL_NETLOC = re.compile(r'(?P<head>\b[a-z][a-z0-9+.\-]*://)(?P<netloc>[^/\s?#]*)',
                         re.IGNORECASE)
_USERINFO = re.compile(r'(?P<user>(?:^|(?<=,))[^:,@]*:)(?P<pw>[^,]*?)(?=@)')
_KEY_VALUE = re.compile(r'(?P<head>\b(?:password|passwd|pwd|secret)\s*[=:]\s*[\'"]?)'
                        r'(?P<pw>[^\s\'",;&]+)', re.IGNORECASE)


def register(secret, names=()):
    """Remember a secret (and its URL-decoded form) so it is never shown.

    ``names`` are words of the same credentials that must stay readable
    (user, database, host).
    """
    register_names(*names)
    if secret:
        _secrets.add(str(secret))
        _secrets.add(unquote(str(secret)))


def register_names(*names):
    """Words that are never masked outside a password position."""
    _names.update(str(n).lower() for n in names if n)


def register_url(url):
    """Register every password of a URL such as ``mysql+pymysql://u:pw@host/db``.

    Multi-host transport URLs (``rabbit://u:p@h1,u:p@h2/vhost``) included.
    """
    for match in _URL_NETLOC.finditer(url or ''):
        path = url[match.end():].lstrip('/').split('?')[0]
        for part in match.group('netloc').split(','):
            userinfo, _, host = part.rpartition('@')
            user, _, password = userinfo.partition(':')
            register(password, names=(unquote(user), host.split(':')[0],
                                      unquote(path)))


def _free_form():
    return sorted((s for s in _secrets
                   if len(s) >= MIN_FREE_LENGTH and s.lower() not in _names),
                  key=len, reverse=True)


def _mask_netloc(match):
    netloc = _USERINFO.sub(lambda m: m.group('user') + MASK, match.group('netloc'))
    return match.group('head') + netloc


def scrub(text):
    if not text:
        return text
    text = _URL_NETLOC.sub(_mask_netloc, str(text))
    text = _KEY_VALUE.sub(lambda m: m.group('head') + MASK, text)
    for secret in _free_form():
        text = re.sub(r'(?<![\w])%s(?![\w])' % re.escape(secret), MASK, text)
    return text


class ScrubFilter(logging.Filter):
    """Logging filter that scrubs the fully formatted message of a record."""

    def filter(self, record):
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def install_log_filter(handler):
    handler.addFilter(ScrubFilter())
