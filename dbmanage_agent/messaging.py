"""Import oslo.messaging the way every dbmanage program wants it.

oslo.messaging pulls in eventlet even with the threading executor: skip its
green DNS module (a sizeable part of the import time) and its deprecation
banner, which would otherwise end up in every CLI run's stderr.
"""
import os
import warnings

os.environ.setdefault('EVENTLET_NO_GREENDNS', 'yes')
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

import oslo_messaging  # noqa: E402

__all__ = ['oslo_messaging']


def rpc_transport(conf):
    """oslo.messaging's RPC transport; UsageError (one line) for a bad URL."""
    from dbmanage_agent import errors
    from dbmanage_agent import masking
    from oslo_messaging import opts
    conf.register_opts(dict(opts.list_opts())[None])  # transport_url & co
    try:
        # Asked before the driver is loaded: an unknown one would otherwise
        # also be logged, as a second line, by the plugin loader.
        _known_driver(oslo_messaging.TransportURL.parse(conf, conf.transport_url))
        transport = oslo_messaging.get_rpc_transport(conf)
    except (oslo_messaging.InvalidTransportURL, oslo_messaging.DriverLoadFailure,
            ValueError) as exc:
        masking.register_url(conf.transport_url)
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise errors.UsageError('bad transport_url %s: %s'
                                % (masking.scrub(conf.transport_url),
                                   masking.scrub(reason)))
    masking.register_url(conf.transport_url)
    return transport


def _known_driver(url):
    from importlib import metadata
    if not metadata.entry_points(group='oslo.messaging.drivers', name=url.transport):
        raise oslo_messaging.DriverLoadFailure(url.transport, 'no such driver')
