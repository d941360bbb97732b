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
    try:
        transport = oslo_messaging.get_rpc_transport(conf)
    except (oslo_messaging.InvalidTransportURL, oslo_messaging.DriverLoadFailure,
            ValueError) as exc:
        masking.register_url(conf.transport_url)  # registered by now
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise errors.UsageError('bad transport_url %s: %s'
                                % (masking.scrub(conf.transport_url),
                                   masking.scrub(reason)))
    masking.register_url(conf.transport_url)
    return transport
