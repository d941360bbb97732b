"""Keep credentials out of every line dbmanage prints, logs, replies or emits.

Secrets are masked as values, never as parts of other words:

* the password field of every URL (each host of a multi-host URL), and the
  value of ``key=value`` pairs with a password key, whether or not the
  process has seen that secret before. A URL's password is read as the
  parsers that use it read it: from the ``:`` after the user to the ``@``
  before the host, whatever it holds (``/``, ``#``, ``?``, ``:``, ``,``,
  quotes, percent-escapes). SQLAlchemy (and ``dburl``) end it at the first
  ``@``, ``urllib`` (oslo.messaging, tooz) at the last one of the host
  entry; both are covered. In free text a URL ends at a blank.
* every secret the process learns (database, broker and coordinator
  passwords, through ``register``/``register_url``) wherever it stands as a
  whole token, whatever its length and whatever library formatted the text;
  except a secret equal to a name the operator needs to read (the user,
  database, host or service name: lab credentials like
  ``mistral:mistral@.../mistral``), masked only in the two positions above.
"""
from __future__ import annotations

import logging
import re
from urllib.parse import unquote

MASK = '***'
_secrets = set()
_names = set()
_SCHEME = re.compile(r'\b[a-z][a-z0-9+.\-]*://', re.IGNORECASE)


def _entry_patterns(blank):
    """The credentials of one host entry, and the rest of that entry up to
    the comma of the next one, for text where ``blank`` ends a URL."""
    userinfo = re.compile(
        r'(?P<user>[^:/{b}]*):'
        # To the first '@', then on through every '@' that the same entry
        # still has ahead (a raw '@' in the password).
        r'(?P<pw>[^@{b}]*(?:@[^@/?#,{b}]*(?=@))*)@'.format(b=blank))
    host = re.compile(r'(?P<host>[^,/?#{b}]*)(?P<more>,?)'.format(b=blank))
    return userinfo, host


_IN_TEXT = _entry_patterns(r'\s')
_IN_URL = _entry_patterns('')
# password=VALUE, 'password': 'VALUE'; not MariaDB's "(using password: YES)".
_KEY_VALUE = re.compile(r'(?P<head>\b(?:password|passwd|pwd|secret)[\'"]?'
                        r'(?:\s*=\s*[\'"]?|\s*:\s*[\'"]))'
                        r'(?P<pw>[^\s\'",;&]+)', re.IGNORECASE)


def _credentials(text, patterns):
    """(user, password match, host) of every host entry of every URL in text."""
    userinfo, host = patterns
    end = 0
    for scheme in _SCHEME.finditer(text):
        pos = scheme.end()
        if pos <= end:
            continue
        while True:
            found = userinfo.match(text, pos)
            if found is None:
                break
            rest = host.match(text, found.end())
            yield found.group('user'), found, rest.group('host')
            pos = end = rest.end()
            if not rest.group('more'):
                break


def register(secret: str | None, names=()) -> None:
    """Remember a secret (and its URL-decoded form) so it is never shown.

    ``names`` are words of the same credentials that must stay readable
    (user, database, host).
    """
    register_names(*names)
    if secret:
        _secrets.add(str(secret))
        _secrets.add(unquote(str(secret)))


def register_names(*names) -> None:
    """Words that are never masked outside a password position."""
    _names.update(str(n).lower() for n in names if n)


def register_url(url: str) -> None:
    """Register every password of a URL such as ``mysql+pymysql://u:pw@host/db``.

    Multi-host transport URLs (``rabbit://u:p@h1,u:p@h2/vhost``) included.
    The URL is known to be one, so blanks in a password are part of it.
    """
    url = url or ''
    path = url.rsplit('@', 1)[-1].partition('/')[2].split('?')[0]
    for user, found, host in _credentials(url, _IN_URL):
        register(found.group('pw'), names=(unquote(user), host.rsplit(':', 1)[0],
                                           unquote(path)))


def _free_form():
    return sorted((s for s in _secrets if s.lower() not in _names),
                  key=len, reverse=True)


def _whole(secret):
    """A pattern for secret standing as a token: not glued to a word
    character on a side where the secret itself has one."""
    return '%s%s%s' % (r'(?<!\w)' if re.match(r'\w', secret) else '',
                       re.escape(secret),
                       r'(?!\w)' if re.match(r'\w', secret[-1]) else '')


def _mask_urls(text):
    spans = [found.span('pw') for _, found, _ in _credentials(text, _IN_TEXT)]
    for start, stop in reversed(spans):
        text = text[:start] + MASK + text[stop:]
    return text


def scrub(text: str) -> str:
    if not text:
        return text
    text = _mask_urls(str(text))
    # Known secrets before key=value pairs: such a value ends at the first
    # ',', ';' or '&', a secret may hold them.
    for secret in _free_form():
        text = re.sub(_whole(secret), MASK, text)
    return _KEY_VALUE.sub(lambda m: m.group('head') + MASK, text)


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
