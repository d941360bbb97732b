"""Keep credentials out of every line dbmanage prints, logs, replies or emits.

Every secret the process learns (database and broker passwords) is
registered here; ``scrub`` replaces it wherever it shows up, whatever
library formatted the text. Two patterns also catch secrets it never saw:
the password part of any URL, and ``key=value`` pairs with a password key.
"""
import logging
import re
from urllib.parse import unquote

MASK = '***'
_secrets = set()
_URL_PASSWORD = re.compile(r'(?P<head>[a-z][a-z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?=@)',
                           re.IGNORECASE)
_KEY_VALUE = re.compile(r'(?P<head>\b(?:password|passwd|pwd)\s*[=:]\s*[\'"]?)(?P<pw>[^\s\'",;&]+)',
                        re.IGNORECASE)


def register(secret):
    """Remember a secret (and its URL-decoded form) so it is never shown."""
    if secret:
        _secrets.add(secret)
        _secrets.add(unquote(secret))


def register_url(url):
    """Register the password of a URL such as ``mysql+pymysql://u:pw@host/db``."""
    match = _URL_PASSWORD.search(url or '')
    if match:
        register(match.group('pw'))


def scrub(text):
    if not text:
        return text
    text = str(text)
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(lambda m: m.group('head') + MASK, text)
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
