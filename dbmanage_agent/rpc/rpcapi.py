"""Client side of the dbmanage agent API, and its in-process twin.

The CLI talks to one of two objects with the same methods: ``LocalAPI``
runs the command in this process (the agent's own endpoint, called
directly), ``AgentAPI`` sends it over oslo.messaging to an agent. Both
return a ``Result``.

API version history:

* 1.0 - ping, current, history, heads, branches, check_migration, upgrade,
  stamp, populate, compare, downgrade (refused).
"""
import getpass
import threading
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

    def downgrade(self, revision=None, delta=None, sql=False):
        return self._call('downgrade', '1.0', revision=revision, delta=delta, sql=sql)


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


class AgentAPI(_CommandsMixin):
    """Sends commands to a dbmanage agent over oslo.messaging.

    oslo.messaging's ``call`` never returns while the broker is unreachable,
    so every call runs under a wall-clock deadline owned here: a short one
    for the first answer (``ping``) and ``rpc_timeout`` for the command.
    While the agent works, oslo.messaging's call monitor heartbeats keep a
    long upgrade alive and detect an agent that died.
    """

    def __init__(self, conf, service):
        from dbmanage_agent.messaging import oslo_messaging as messaging
        self.service = service
        self.conf = conf
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
            call_monitor_timeout=30)
        self._pinged = False

    def _deadline_call(self, method, version, timeout, **kwargs):
        from dbmanage_agent.messaging import oslo_messaging as messaging
        outcome = {}
        cctxt = self._client.prepare(version=version, timeout=timeout)
        ctxt = {'request_id': 'req-%s' % uuid.uuid4(), 'user': _user(),
                'host': self.conf.db_manage.host}

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
        if isinstance(exc, messaging.MessagingTimeout):
            raise errors.Unreachable('no %s agent answered on topic %s within '
                                     '%.0f s' % (self.service.name, self.topic,
                                                 timeout))
        if isinstance(exc, messaging.RemoteError):
            raise errors.OperationFailed('the agent failed: %s: %s'
                                         % (exc.exc_type, masking.scrub(exc.value)))
        if exc is not None:
            raise errors.Unreachable('cannot reach the message broker at %s: %s'
                                     % (self._broker(), masking.scrub(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)))
        return outcome['value']

    def _broker(self):
        return masking.scrub(self.conf.transport_url or 'rabbit://localhost')

    def ping(self):
        return self._deadline_call('ping', '1.0', self.conf.db_manage.rpc_connect_timeout)

    def _call(self, method, version, **kwargs):
        if not self._pinged:
            self.ping()
            self._pinged = True
        return Result.from_dict(self._deadline_call(
            method, version, self.conf.db_manage.rpc_timeout, **kwargs))

    def close(self):
        self._transport.cleanup()


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
