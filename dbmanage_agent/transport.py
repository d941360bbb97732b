"""Import oslo.messaging the way every dbmanage program wants it.

oslo.messaging pulls in eventlet even with the threading executor: skip its
green DNS module (a sizeable part of the import time) and its deprecation
banner, which would otherwise end up in every CLI run's stderr.
"""
import contextlib
import logging
import os
import warnings

os.environ.setdefault('EVENTLET_NO_GREENDNS', 'yes')
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

import oslo_messaging  # noqa: E402

__all__ = ['oslo_messaging']

#: Time given to an oslo.messaging call past its own timeout, so that it can
#: report its MessagingTimeout (a better message) before the caller's
#: deadline gives up on it.
GRACE = 1.0


def rpc_transport(conf):
    """oslo.messaging's RPC transport; UsageError (one line) for a bad URL."""
    from dbmanage import errors
    from dbmanage import masking
    from oslo_messaging import opts
    conf.register_opts(dict(opts.list_opts())[None])  # transport_url & co
    try:
        with _plugin_loader_quiet():
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


@contextlib.contextmanager
def _plugin_loader_quiet():
    """The plugin loader (stevedore) also logs a driver it cannot load, as a
    second line; the error is reported once, by the caller."""
    loader = logging.getLogger('stevedore.named')
    was, loader.disabled = loader.disabled, True
    try:
        yield
    finally:
        loader.disabled = was
