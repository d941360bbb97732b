"""``dbmanage-agent``: serve one service's database over RPC.

Reads ``[database] connection``, ``[DEFAULT] transport_url`` and
``[db_manage] service/topic/host``; logs through oslo.log. SIGTERM stops
taking requests, lets the running operation finish (bounded by
``[db_manage] shutdown_timeout``) and exits.
"""
import logging
import signal
import sys
import threading

from oslo_log import log as oslo_log

from dbmanage_agent import chain
from dbmanage_agent import config
from dbmanage_agent import dburl
from dbmanage_agent import errors
from dbmanage_agent import manager
from dbmanage_agent import masking
from dbmanage_agent import messaging as dbm_messaging
from dbmanage_agent.messaging import oslo_messaging as messaging
from dbmanage_agent.notify import notifier as notify
from dbmanage_agent import services

CONF = config.CONF
LOG = logging.getLogger(__name__)


def _scrub_logs():
    for handler in logging.getLogger().handlers:
        masking.install_log_filter(handler)


def build_server(conf):
    """The RPC server for the configured service (not started)."""
    if not conf.database.connection:
        raise errors.UsageError('the agent needs [database] connection')
    dburl.parse(conf.database.connection)
    service = services.get(conf.db_manage.service)
    transport = dbm_messaging.rpc_transport(conf)
    masking.register_url(conf.database.connection)
    events = notify.Notifier(conf, conf.db_manage.host)
    endpoint = manager.AgentManager(manager.build_context(
        conf, service, emit=events.emit if events.enabled else None))
    endpoint.target = messaging.Target(version=manager.API_VERSION)
    target = messaging.Target(topic=conf.db_manage.topic or service.default_topic,
                              server=conf.db_manage.host)
    LOG.info('serving %s on topic %s as %s', service.name, target.topic,
             target.server)
    return messaging.get_rpc_server(
        transport, target, [endpoint], executor='threading',
        access_policy=messaging.DefaultRPCAccessPolicy)


def serve(server, shutdown_timeout):
    stopping = threading.Event()

    def on_signal(signum, frame):
        LOG.info('signal %d: finishing the running operation, then exiting', signum)
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    stopping.wait()
    server.stop()
    finisher = threading.Thread(target=server.wait, daemon=True)
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
    chain.keep_watching()
    try:
        server = build_server(CONF)
    except errors.DbManageError as exc:
        LOG.error('cannot start: %s', exc.message)
        return exc.exit_code
    serve(server, CONF.db_manage.shutdown_timeout)
    return 0


def cli():
    sys.exit(main())
