"""``dbmanage-agent``: serve one service's database over RPC.

Reads ``[database] connection``, ``[DEFAULT] transport_url`` and
``[db_manage] service/topic/host``; logs through oslo.log. It logs
``serving`` once its queues are declared on the broker, so a request sent
from then on is taken. SIGTERM or SIGINT stops taking requests, lets the
running operation finish (bounded by ``[db_manage] shutdown_timeout``) and
exits 0; before the agent serves (oslo.messaging retries an unreachable
broker for ever) it exits at once, also 0. Until the configuration is read
and logging is set up, the signals' default actions apply.
"""
from __future__ import annotations

import logging
import queue
import signal
import sys
import threading

from oslo_log import log as oslo_log

from dbmanage import commands
from dbmanage import config
from dbmanage import errors
from dbmanage import masking
from dbmanage import services
from dbmanage.db import urls
from dbmanage_agent import manager
from dbmanage_agent import transport
from dbmanage_agent.events import notifier as notify
from dbmanage_agent.transport import oslo_messaging as messaging

CONF = config.CONF
LOG = logging.getLogger(__name__)


def _scrub_logs():
    for handler in logging.getLogger().handlers:
        masking.install_log_filter(handler)


def build_server(conf):
    """The RPC server for the configured service (not started), and what it
    serves, in words."""
    if not conf.database.connection:
        raise errors.UsageError('the agent needs [database] connection')
    urls.parse(conf.database.connection)
    service = services.get(conf.db_manage.service)
    rpc = transport.rpc_transport(conf)
    masking.register_url(conf.database.connection)
    events = notify.Notifier(conf, conf.db_manage.host)
    endpoint = manager.AgentManager(commands.Context.from_config(
        conf, service, emit=events.emit if events.enabled else None))
    endpoint.target = messaging.Target(version=manager.API_VERSION)
    target = messaging.Target(topic=conf.db_manage.topic or service.default_topic,
                              server=conf.db_manage.host)
    server = messaging.get_rpc_server(
        rpc, target, [endpoint], executor='threading',
        access_policy=messaging.DefaultRPCAccessPolicy)
    return server, '%s on topic %s as %s' % (service.name, target.topic, target.server)


_STARTED = object()


def _wake_on_signals():
    """A queue that receives the number of each SIGTERM and SIGINT.

    A SimpleQueue's ``put`` is reentrant, so the handler may run while the
    main thread waits on the same queue.
    """
    wake = queue.SimpleQueue()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda signum, frame: wake.put(signum))
    return wake


def _start(server, wake):
    """``_STARTED`` once the server has declared its queues, or the signal
    that came first: oslo.messaging retries an unreachable broker for ever,
    so starting runs in a thread of its own, left behind on a signal."""
    def run():
        try:
            server.start()
        except BaseException as exc:   # handed to the main thread
            wake.put(exc)
        else:
            wake.put(_STARTED)
    threading.Thread(target=run, name='start', daemon=True).start()
    outcome = wake.get()
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def serve(server: str, wake, shutdown_timeout):
    """Serve until a signal, then let the running operation finish."""
    signum = wake.get()
    LOG.info('signal %d: finishing the running operation, then exiting', signum)
    # Stopping waits for the listener, which a lost broker can hold up too.
    finisher = threading.Thread(target=lambda: (server.stop(), server.wait()),
                                daemon=True)
    finisher.start()
    finisher.join(shutdown_timeout)
    if finisher.is_alive():
        LOG.error('operation still running after %.0f s; exiting anyway',
                  shutdown_timeout)


def main(argv=None):
    config.register_opts(CONF)
    oslo_log.register_options(CONF)
    try:
        config.load(sys.argv[1:] if argv is None else argv,
                    project='dbmanage', prog='dbmanage-agent')
    except Exception as exc:
        print('dbmanage-agent: error: %s' % masking.scrub(getattr(exc, 'message', exc)),
              file=sys.stderr)
        return 2
    oslo_log.setup(CONF, 'dbmanage-agent')
    _scrub_logs()
    wake = _wake_on_signals()
    try:
        server, serving = build_server(CONF)
    except errors.DbManageError as exc:
        LOG.error('cannot start: %s', exc.message)
        return exc.exit_code
    started = _start(server, wake)
    if started is not _STARTED:
        LOG.info('signal %d: exiting before taking requests', started)
        return 0
    LOG.info('serving %s', serving)
    serve(server, wake, CONF.db_manage.shutdown_timeout)
    return 0


def cli():
    sys.exit(main())
