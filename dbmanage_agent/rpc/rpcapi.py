"""Client side of the dbmanage agent API, and its in-process twin.

The CLI talks to one of two objects with the same methods: ``LocalAPI``
runs the command in this process (the agent's own endpoint, called
directly), ``AgentAPI`` sends it over oslo.messaging to an agent. Both
return a ``Result``.

API version history:

* 1.0 - ping, current, history, heads, branches, check_migration, upgrade,
  stamp, populate, compare, downgrade (refused).
* 1.2 - plan.

``wait`` is not a remote call: it asks ``history`` and ``current`` once,
then follows the agents' ``db_manage.*.end`` notifications (polling
``current`` as a fallback, and only polling in-process).
"""
import contextlib
import getpass
import threading
import time
import uuid

from dbmanage_agent import errors
from dbmanage_agent import masking
from dbmanage_agent.result import Result


class _CommandsMixin:
    """One method per remote call; each names the API version it needs."""

    def current(self, verbose=False):
        return self._call('current', '1.0', verbose=verbose)

    def history(self, rev_range=None, verbose=False):
        return self._call('history', '1.0', rev_range=rev_range, verbose=verbose)

    def heads(self):
        return self._call('heads', '1.0')

    def branches(self):
        return self._call('branches', '1.0')

    def check_migration(self):
        return self._call('check_migration', '1.0')

    def upgrade(self, revision=None, delta=None, sql=False):
        return self._call('upgrade', '1.0', revision=revision, delta=delta, sql=sql)

    def stamp(self, revision=None, sql=False):
        return self._call('stamp', '1.0', revision=revision, sql=sql)

    def populate(self):
        return self._call('populate', '1.0')

    def compare(self):
        return self._call('compare', '1.0')

    def plan(self, revision='head', rehearse=False, sample_rows=None):
        return self._call('plan', '1.2', revision=revision, rehearse=rehearse,
                          sample_rows=sample_rows)

    def downgrade(self, revision=None, delta=None, sql=False):
        return self._call('downgrade', '1.0', revision=revision, delta=delta, sql=sql)

    def wait(self, revision='head', timeout=600.0):
        """Return once the database is at ``revision`` or past it."""
        started = time.monotonic()
        with self._listen({'db_manage.upgrade.end', 'db_manage.stamp.end'}) as events:
            chain = self.history()
            if not chain.ok:
                return chain
            reached = _reached(chain, revision)
            now = self.current()
            while now.ok and not reached(now.revision_after):
                left = started + timeout - time.monotonic()
                if left <= 0:
                    raise errors.WaitTimeout(
                        'the database is still at %s after %.0f s, not at %s'
                        % (', '.join(now.revision_after) or 'base', timeout, revision))
                # Events make waiting prompt; asking again now and then covers
                # a node that migrated without an agent (no events).
                _sleep_until_reached(events, self.service.name, reached,
                                     min(left, 5.0 if events else 1.0))
                now = self.current()
        now.command = 'wait'
        now.details['waited'] = round(time.monotonic() - started, 3)
        return now


def _reached(chain, revision):
    """A test: is a database at these revisions at ``revision`` or past it?"""
    order = [e['revision'] for e in reversed(chain.history)]
    wanted = chain.heads if revision in ('head', 'heads') else [revision]
    if any(rev not in order for rev in wanted):
        raise errors.UsageError('unknown revision %r' % revision)
    floor = max(order.index(rev) for rev in wanted)
    return lambda revs: any(r in order and order.index(r) >= floor for r in revs)


def _sleep_until_reached(events, service, reached, seconds):
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if events is None:
            time.sleep(left)
            return
        payload = (events.get(left) or {}).get('payload', {})
        if payload.get('service') == service and reached(payload.get('revision_after', ())):
            return


class LocalAPI(_CommandsMixin):
    """Runs commands in this process, on the configured (or embedded) DB."""

    def __init__(self, conf, service, emit=None):
        from dbmanage_agent import manager
        self.service = service
        self._endpoint = manager.AgentManager(
            manager.build_context(conf, service, emit=emit))

    def _call(self, method, version, **kwargs):
        ctxt = {'request_id': 'req-%s' % uuid.uuid4(), 'user': _user()}
        return Result.from_dict(getattr(self._endpoint, method)(ctxt, **kwargs))

    def _listen(self, event_types):
        return contextlib.nullcontext()


class AgentAPI(_CommandsMixin):
    """Sends commands to a dbmanage agent over oslo.messaging.

    oslo.messaging's ``call`` never returns while the broker is unreachable,
    so every call runs under a wall-clock deadline owned here: a short one
    for the first answer (``ping``) and ``rpc_timeout`` for the command.
    While the agent works, oslo.messaging's call monitor heartbeats keep a
    long upgrade alive and detect an agent that died.
    """

    def __init__(self, conf, service, emit=None):
        from dbmanage_agent.messaging import oslo_messaging as messaging
        self.service = service
        self.conf = conf
        self._emit = emit
        self._transport = messaging.get_rpc_transport(conf)
        masking.register_url(conf.transport_url)
        # Reply queues of a short-lived CLI would otherwise linger on the
        # broker for oslo.messaging's default 30 minutes.
        conf.set_override('rabbit_transient_queues_ttl', 10,
                          group='oslo_messaging_rabbit')
        topic = conf.db_manage.topic or service.default_topic
        self.topic = topic
        self._client = messaging.get_rpc_client(
            self._transport, messaging.Target(topic=topic, version='1.0'),
            call_monitor_timeout=conf.db_manage.rpc_heartbeat_timeout)
        self._pinged = False

    def _listen(self, event_types):
        from dbmanage_agent.notify import listener
        return listener.EventListener(self.conf, event_types)

    def _deadline_call(self, method, version, timeout, request_id=None, **kwargs):
        from dbmanage_agent.messaging import oslo_messaging as messaging
        outcome = {}
        cctxt = self._client.prepare(version=version, timeout=timeout)
        ctxt = {'request_id': request_id or 'req-%s' % uuid.uuid4(),
                'user': _user(), 'host': self.conf.db_manage.host}

        def call():
            try:
                outcome['value'] = cctxt.call(ctxt, method, **kwargs)
            except BaseException as exc:  # handed to the waiting thread
                outcome['error'] = exc

        worker = threading.Thread(target=call, daemon=True)
        worker.start()
        worker.join(timeout + 1)
        if worker.is_alive():
            raise errors.Unreachable(
                'no answer from a %s agent on topic %s within %.0f s (is the '
                'message broker at %s up?)' % (self.service.name, self.topic,
                                               timeout, self._broker()))
        exc = outcome.get('error')
        if isinstance(exc, messaging.MessagingTimeout) and self._pinged:
            raise errors.Unreachable(
                'the %s agent stopped answering during %s (no heartbeat for '
                '%.0f s); run current to see where the database is'
                % (self.service.name, method, self.conf.db_manage.rpc_heartbeat_timeout))
        if isinstance(exc, messaging.MessagingTimeout):
            raise errors.Unreachable('no %s agent answered on topic %s within '
                                     '%.0f s' % (self.service.name, self.topic,
                                                 timeout))
        if isinstance(exc, messaging.RemoteError):
            raise errors.OperationFailed('the agent failed: %s: %s'
                                         % (exc.exc_type, masking.scrub(exc.value)))
        if exc is not None:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise errors.Unreachable('cannot reach the message broker at %s: %s'
                                     % (self._broker(), masking.scrub(reason)))
        return outcome['value']

    def _broker(self):
        return masking.scrub(self.conf.transport_url or 'rabbit://localhost')

    def ping(self):
        return self._deadline_call('ping', '1.0', self.conf.db_manage.rpc_connect_timeout)

    def _call(self, method, version, **kwargs):
        if not self._pinged:
            self.ping()
            self._pinged = True
        request_id = 'req-%s' % uuid.uuid4()
        call = lambda: Result.from_dict(self._deadline_call(  # noqa: E731
            method, version, self.conf.db_manage.rpc_timeout,
            request_id=request_id, **kwargs))
        if self._emit is None or method != 'upgrade' or kwargs.get('sql'):
            return call()
        with self._listen({'db_manage.upgrade.revision'}) as events:
            return _forwarding(events, request_id, self._emit, call)


def _forwarding(events, request_id, emit, call):
    """Run ``call`` while handing this request's events to ``emit``."""
    done = threading.Event()

    def forward():
        while not done.is_set():
            event = events.get(0.2)
            if event and event['payload'].get('request_id') == request_id:
                emit(event['event_type'], event['payload'])

    forwarder = threading.Thread(target=forward, daemon=True)
    forwarder.start()
    try:
        return call()
    finally:
        time.sleep(0.05)  # the last revision event may trail the reply
        done.set()
        forwarder.join(1)


def _user():
    try:
        return getpass.getuser()
    except Exception:
        return 'unknown'


def write_revision(service, message, rev_id=None, upgrades=None):
    """Write a revision file here (files are always local to the CLI)."""
    from dbmanage_agent import runner
    return runner.write_revision(service, message, rev_id=rev_id,
                                 upgrades=upgrades)
