"""Client side of the dbmanage agent API.

The CLI talks to one of two objects with the same methods: ``AgentAPI``
sends each command over oslo.messaging to an agent, ``local.LocalAPI``
runs it in this process. Both return a ``Result``.

API version history:

* 1.0 - ping, current, history, heads, branches, check_migration, upgrade,
  stamp, populate, compare, downgrade (refused).
* 1.1 - break_lock.
* 1.2 - plan.
* 1.3 - populate_actions.
* 1.4 - verify, adopt.
* 1.5 - upgrade(online=True); upgrade.progress events.

Before its first command the client asks the agent's ``ping`` (service and
API version) and refuses, executing nothing, an agent of another service
(exit 2) or one too old for the method's version (exit 4).
"""
from __future__ import annotations

import getpass
import uuid

from dbmanage import deadline
from dbmanage import errors
from dbmanage import masking
from dbmanage.result import Result


class CommandsMixin:
    """One method per remote call; each names the API version it needs."""

    #: A ``deadline.Budget`` bounding every call while set (``wait`` sets it).
    budget = None

    def current(self, verbose: bool = False):
        return self._call('current', '1.0', verbose=verbose)

    def history(self, rev_range: str | None = None, verbose: bool = False):
        return self._call('history', '1.0', rev_range=rev_range, verbose=verbose)

    def heads(self):
        return self._call('heads', '1.0')

    def branches(self):
        return self._call('branches', '1.0')

    def check_migration(self):
        return self._call('check_migration', '1.0')

    def upgrade(self, revision: str | None = None, delta: int | None = None, sql: bool = False,
                online: bool = False):
        if online:
            return self._call('upgrade', '1.5', revision=revision, delta=delta, sql=sql,
                              online=True)
        return self._call('upgrade', '1.0', revision=revision, delta=delta, sql=sql)

    def stamp(self, revision: str | None = None, sql: bool = False):
        return self._call('stamp', '1.0', revision=revision, sql=sql)

    def populate(self):
        return self._call('populate', '1.0')

    def populate_actions(self):
        return self._call('populate_actions', '1.3')

    def verify(self):
        return self._call('verify', '1.4')

    def adopt(self, confirm: bool = False):
        return self._call('adopt', '1.4', confirm=confirm)

    def compare(self):
        return self._call('compare', '1.0')

    def plan(self, revision: str | None = 'head', rehearse: bool = False,
             sample_rows: int | None = None):
        return self._call('plan', '1.2', revision=revision, rehearse=rehearse,
                          sample_rows=sample_rows)

    def downgrade(self, revision: str | None = None, delta: int | None = None, sql: bool = False):
        return self._call('downgrade', '1.0', revision=revision, delta=delta, sql=sql)

    def break_lock(self, confirm: bool = False):
        return self._call('break_lock', '1.1', confirm=confirm)


def user():
    try:
        return getpass.getuser()
    except Exception:
        return 'unknown'


class AgentAPI(CommandsMixin):
    """Sends commands to a dbmanage agent over oslo.messaging.

    Every call runs under a wall-clock deadline (``dbmanage.deadline``): a short
    one for the first answer (``ping``) and ``rpc_timeout`` for the command.
    While the agent works, oslo.messaging's call monitor heartbeats keep a
    long upgrade alive and detect an agent that died.
    """

    def __init__(self, conf, service, emit=None):
        from dbmanage_agent import transport
        from dbmanage_agent.transport import oslo_messaging as messaging
        self.service = service
        self.conf = conf
        self._emit = emit
        masking.register_names(service.name, service.project)
        self._transport = transport.rpc_transport(conf)
        # Reply queues of a short-lived CLI would otherwise linger on the
        # broker for oslo.messaging's default 30 minutes.
        conf.set_override('rabbit_transient_queues_ttl', 10,
                          group='oslo_messaging_rabbit')
        self.topic = conf.db_manage.topic or service.default_topic
        self._client = messaging.get_rpc_client(
            self._transport, messaging.Target(topic=self.topic, version='1.0'),
            call_monitor_timeout=conf.db_manage.rpc_heartbeat_timeout)
        self._agent_version = None

    def listen(self, event_types):
        """A started listener for these events (Unreachable if it cannot be)."""
        from dbmanage_agent.events import listener
        return listener.EventListener(self.conf, event_types,
                                      self.conf.db_manage.rpc_connect_timeout,
                                      self.budget)

    def ping(self):
        answer = self._deadline_call('ping', '1.0',
                                     self.conf.db_manage.rpc_connect_timeout)
        if not isinstance(answer, dict):
            answer = {}
        if answer.get('service') != self.service.name:
            raise errors.UsageError(
                'topic %s is served by a %s agent, not %s: check [db_manage] '
                'topic; nothing was run' % (self.topic, answer.get('service', 'unknown'),
                                            self.service.name))
        self._agent_version = str(answer.get('version') or '1.0')
        return answer

    def _call(self, method, version, **kwargs):
        if self._agent_version is None:
            self.ping()
        if not self._client.prepare(version_cap=self._agent_version) \
                .can_send_version(version):
            raise errors.Unreachable(
                'the %s agent on topic %s speaks API %s; %s needs %s: upgrade '
                'the agent; nothing was run' % (self.service.name, self.topic,
                                                self._agent_version, method, version))
        request_id = 'req-%s' % uuid.uuid4()
        call = lambda: Result.from_dict(self._deadline_call(  # noqa: E731
            method, version, self.conf.db_manage.rpc_timeout,
            request_id=request_id, **kwargs))
        if self._emit is None or method != 'upgrade' or kwargs.get('sql'):
            return call()
        from dbmanage_agent.events import forward
        try:
            events = self.listen({'db_manage.upgrade.revision', 'db_manage.upgrade.progress'})
            events.start()
        except errors.DbManageError:
            return call()
        try:
            return forward.forwarding(events, request_id, self._emit, call)
        finally:
            events.close()

    def _deadline_call(self, method, version, timeout, request_id=None, **kwargs):
        from dbmanage_agent import transport
        from dbmanage_agent.transport import oslo_messaging as messaging
        if self.budget is not None:
            timeout = self.budget.limit(timeout)
        cctxt = self._client.prepare(version=version, timeout=timeout)
        ctxt = {'request_id': request_id or 'req-%s' % uuid.uuid4(),
                'user': user(), 'host': self.conf.db_manage.host}
        try:
            return deadline.call(
                lambda: cctxt.call(ctxt, method, **kwargs), timeout, self.budget,
                grace=transport.GRACE,
                on_timeout='no answer from a %s agent on topic %s within %.0f s '
                           '(is the message broker at %s up?)'
                           % (self.service.name, self.topic, timeout, self._broker()))
        except messaging.MessagingTimeout:
            if self._agent_version is not None and method != 'ping':
                raise errors.Unreachable(
                    'the %s agent stopped answering during %s (no heartbeat for '
                    '%.0f s); run current to see where the database is'
                    % (self.service.name, method,
                       self.conf.db_manage.rpc_heartbeat_timeout))
            raise errors.Unreachable('no %s agent answered on topic %s within '
                                     '%.0f s' % (self.service.name, self.topic, timeout))
        except messaging.RemoteError as exc:
            raise errors.OperationFailed('the agent failed: %s: %s'
                                         % (exc.exc_type, masking.scrub(exc.value)))
        except errors.DbManageError:
            raise
        except Exception as exc:
            raise errors.Unreachable('cannot reach the message broker at %s: %s'
                                     % (self._broker(), masking.scrub(_first_line(exc))))

    def _broker(self):
        return masking.scrub(self.conf.transport_url or 'rabbit://localhost')


def _first_line(exc):
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
