"""The one place database URLs are parsed, validated and masked.

``split`` parses a URL without SQLAlchemy (read-only commands use the DB
driver directly); ``parse`` builds SQLAlchemy's URL from the same parts.
"""
from __future__ import annotations

import dataclasses
import re
from urllib.parse import parse_qsl
from urllib.parse import unquote

from dbmanage import errors
from dbmanage import masking

_URL = re.compile(r"""
    (?P<drivername>[\w+]+)://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/?]+)\]|(?P<ipv4host>[^/:?]+))?(?::(?P<port>[^/?]*))?)?
    (?:/(?P<database>[^?]*))?
    (?:\?(?P<query>.*))?
    """, re.X)


@dataclasses.dataclass(frozen=True)
class Parts:
    """A database URL taken apart, with user, password and database unquoted."""
    drivername: str
    username: str | None = None
    password: str | None = None
    host: str | None = None
    port: int | None = None
    database: str | None = None
    query: dict = dataclasses.field(default_factory=dict)

    @property
    def backend(self):
        return self.drivername.split('+', 1)[0]

    @property
    def driver(self):
        return self.drivername.split('+', 1)[1] if '+' in self.drivername else None


def _malformed(url, reason):
    return errors.UsageError('malformed database URL %s: %s'
                             % (masking.scrub(url), masking.scrub(reason)))


def split(url: str):
    """The URL's parts; UsageError naming the masked URL if malformed."""
    found = _URL.match(url)
    if found is None:
        raise _malformed(url, 'Could not parse SQLAlchemy URL from given URL string')
    parts = found.groupdict()
    query = {}
    for key, value in parse_qsl(parts.pop('query') or ''):
        if key not in query:
            query[key] = value
        else:  # a repeated key keeps every value, as SQLAlchemy does
            query[key] = (*(query[key] if isinstance(query[key], tuple)
                            else (query[key],)), value)
    for key in ('username', 'password', 'database'):
        if parts[key] is not None:
            parts[key] = unquote(parts[key])
    parts['host'] = parts.pop('ipv4host') or parts.pop('ipv6host')
    parts.pop('ipv6host', None)
    try:
        parts['port'] = int(parts['port']) if parts['port'] else None
    except ValueError as exc:
        raise _malformed(url, exc)
    if parts['password']:
        masking.register(parts['password'], names=(
            parts['username'], parts['database'], parts['host']))
    return Parts(query=query, **parts)


def parse(url: str):
    """A SQLAlchemy URL object; UsageError naming the masked URL if malformed."""
    import sqlalchemy as sa
    parts = split(url)
    try:
        parsed = sa.engine.URL.create(**dataclasses.asdict(parts))
        parsed.get_dialect()
    except Exception as exc:
        raise _malformed(url, exc)
    if parsed.get_backend_name() == 'mariadb':
        # The migrations branch on the dialect name 'mysql'; SQLAlchemy's
        # MySQL dialect detects a MariaDB server by itself.
        parsed = parsed.set(drivername=parsed.drivername.replace('mariadb', 'mysql', 1))
    return parsed


def masked(url: str) -> str:
    return masking.scrub(url)
