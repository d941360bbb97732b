"""The migration lock through a tooz coordinator (``[coordination] backend_url``).

The OpenStack convention for a lock shared by many nodes: Redis or etcd
(``etcd3+http://``) hold it, with a TTL the coordinator's heartbeat renews
for the whole command. Who holds it is published as the capabilities of the
holder's membership in a group named after the lock; the membership dies
with the holder's heartbeat, like the lock.

tooz is imported only when a coordinator is configured.
"""
from __future__ import annotations

import typing

import base64
import logging
import urllib.parse
import uuid
import warnings

from dbmanage import deadline
from dbmanage import errors
from dbmanage import masking
from dbmanage.locks import kind

if typing.TYPE_CHECKING:
    from dbmanage.db.link import Link
    from dbmanage.locks.kind import Settings

LOG = logging.getLogger(__name__)


def _url(url, lease):
    """The backend URL with lock and membership TTLs of one lease.

    Group calls run in the calling thread (each is awaited at once anyway):
    tooz's default thread pool costs a second at every stop.
    """
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query)
    given = {key for key, _ in query}
    ttl = str(max(1, int(round(lease))))
    wanted = {'lock_timeout': ttl, 'membership_timeout': ttl, 'executor': 'synchronous'}
    query += [item for item in wanted.items() if item[0] not in given]
    return parts._replace(query=urllib.parse.urlencode(query)).geturl()


def _tooz():
    # futurist warns about eventlet on import; nothing here uses eventlet
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        from tooz import coordination
    return coordination


def _within(seconds, fn):
    """None if ``fn()`` returned within ``seconds``, else why not (its error,
    or that it did not answer). tooz retries an unreachable server for ever:
    a call past its time is left to finish in its thread."""
    try:
        deadline.call(fn, seconds)
    except errors.Unreachable:
        return 'it is not answering'
    except Exception as exc:
        return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return None


def stop(coord, timeout: float, quiet=False):
    """Stop ``coord`` (leaving its groups), giving up after ``timeout``."""
    failure = _within(timeout, coord.stop)
    if failure:
        (LOG.debug if quiet else LOG.warning)(
            'the coordinator did not stop cleanly within %.0f s (%s); its TTLs '
            'will end what it held', timeout, masking.scrub(failure))


def start(url: str, member, lease, connect_timeout: float, heart=False) -> None:
    """A started coordinator; Unreachable if it does not answer in time."""
    coordination = _tooz()
    coord = coordination.get_coordinator(_url(url, lease), member.encode())
    failure = _within(connect_timeout, lambda: coord.start(start_heart=heart))
    if failure:
        if failure == 'it is not answering':
            failure = 'no answer within %.0f s' % connect_timeout
        raise errors.Unreachable('cannot reach the coordinator at %s: %s'
                                 % (masking.scrub(url), masking.scrub(failure)))
    return coord


#: The extra of dbmanage that installs a tooz back-end's client module.
_EXTRAS = {'redis': 'redis', 'etcd3+http': 'etcd', 'etcd3+https': 'etcd'}

#: tooz back-ends whose locks exclude only processes of one host.
_ONE_HOST = {'file': 'a file lock excludes only processes of this host',
             'ipc': 'an IPC lock excludes only processes of this host'}


def refusal(url: str) -> str | None:
    """Why ``url`` cannot be the control plane's lock (one line), or None."""
    from importlib import metadata
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme in _ONE_HOST:
        return '%s (%s://)' % (_ONE_HOST[scheme], scheme)
    found = metadata.entry_points(group='tooz.backends', name=scheme)
    if not found:
        return 'tooz has no back-end %r' % scheme
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            next(iter(found)).load()
    except ImportError as exc:
        extra = _EXTRAS.get(scheme)
        return ('its tooz back-end %r needs the Python module %r, which is not '
                'installed%s' % (scheme, exc.name or str(exc),
                                 " (pip install 'dbmanage[%s]')" % extra if extra else ''))
    return None


def _member(holder):
    return '%s.%s.%s' % (holder['host'], holder['pid'], uuid.uuid4().hex[:8])


def _group(name):
    return (name + '.holder').encode()


class Hold(kind.Hold):
    kind = 'coordinator'

    def __init__(self, coord, lock, name, timeout):
        self._coord, self._lock, self._name = coord, lock, name
        self._timeout = timeout   # for each call to a coordinator that may be gone
        self.lost = False

    def _still_ours(self):
        inner = getattr(self._lock, '_lock', None)
        if hasattr(inner, 'owned'):            # redis-py's lock
            return inner.owned()
        client = getattr(self._coord, 'client', None)
        key = getattr(self._lock, '_key', None)
        if client is not None and key is not None and hasattr(client, 'get'):
            # etcd3gw: the lock key still holds this lock's (base64) uuid
            values = client.get(key.decode())
            return base64.b64decode(self._lock._uuid) in values
        return self._lock.acquired

    def fence(self, what: str) -> None:
        self._verify('before %s' % what)

    def confirm(self, what: str) -> None:
        """After a failure: LockLost if the lock is no longer ours (asked of
        the coordinator, which may itself be the failure's cause)."""
        self._verify('during %s' % what)

    def _verify(self, when):
        try:
            ours = self._still_ours()
            reason = 'its lease ended or it was broken'
        except Exception as exc:
            ours = False
            reason = 'the coordinator cannot be reached (%s)' % (
                str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if not ours:
            self.lost = True
            raise errors.LockLost(
                'lost the migration lock %s %s: %s; stopped there, run the '
                'command again to resume' % (self._name, when, masking.scrub(reason)))

    def release(self):
        failure = _within(self._timeout, lambda: self._lock.acquired and self._lock.release())
        if failure:
            (LOG.debug if self.lost else LOG.warning)(
                'could not release the migration lock %s (its TTL will end '
                'it): %s', self._name, masking.scrub(failure))
        stop(self._coord, self._timeout, quiet=self.lost)   # also leaves the holder group


def _name(settings):
    """The lock's name: per service and database, as every node must use."""
    return '%s.%s' % (settings.name, settings.database)


def _holder(coord, name):
    coordination = _tooz()
    try:
        members = coord.get_members(_group(name)).get()
        for member in sorted(members):
            caps = coord.get_member_capabilities(_group(name), member).get()
            if isinstance(caps, dict):
                return dict(caps, kind='coordinator')
    except coordination.GroupNotCreated:
        pass
    return None


class Coordinator(kind.Kind):
    name = 'coordinator'

    def acquire(self, settings: Settings, link: Link, me: dict, timeout: float, on_wait):
        coordination = _tooz()
        name = _name(settings)
        coord = start(settings.coordinator, _member(me), settings.lease,
                      settings.connect_timeout, heart=True)
        lock = coord.get_lock(name.encode())
        hold = Hold(coord, lock, name, settings.connect_timeout)
        try:
            if not lock.acquire(blocking=False):
                on_wait(_holder(coord, name))
                if not lock.acquire(blocking=timeout):
                    raise kind.timeout_error(name, timeout)
            try:
                coord.create_group(_group(name)).get()
            except coordination.GroupAlreadyExist:
                pass
            coord.join_group(_group(name), capabilities=me).get()
        except BaseException:
            hold.release()
            raise
        return hold

    def _visit(self, settings, role, fn):
        coord = start(settings.coordinator, '%s.%s.%s' % (settings.host, role,
                                                         uuid.uuid4().hex[:8]),
                      settings.lease, settings.connect_timeout)
        try:
            return fn(coord)
        finally:
            stop(coord, settings.connect_timeout)

    def holder(self, settings: Settings, link: Link) -> dict | None:
        return self._visit(settings, 'reader', lambda coord: _holder(coord, _name(settings)))

    def break_(self, settings: Settings, link: Link, found) -> None:
        self._visit(settings, 'breaker',
                    lambda coord: coord.get_lock(_name(settings).encode()).break_())


KIND = Coordinator()
