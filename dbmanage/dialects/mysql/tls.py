"""PyMySQL connections whose opportunistic TLS costs nothing to prepare.

Given no TLS option, PyMySQL 1.2 prefers TLS: it encrypts when the server
offers TLS and stays in the clear when it does not, verifying neither the
certificate nor the host name. For that it builds a default SSL context on
every connect, and loading the system's CA store into it takes 20-40 ms of
a command that answers in 100; an unverified context never reads that
store. Here the context is made once per process without it: the same
protocol, options and (absent) verification, so nothing is weakened.

Any TLS option (``ssl_ca``, ``ssl_cert``, ``ssl_verify_cert`` ...) is
handled by PyMySQL's own code unchanged, and ``ssl_disabled`` still turns
TLS off.
"""
import functools
import os
import ssl
import sys

import pymysql


@functools.lru_cache(maxsize=None)
def preferred_context():
    """PyMySQL's context for preferred TLS, without the unread CA store."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.verify_flags &= ~ssl.VERIFY_X509_STRICT
    context.options |= ssl.OP_NO_SSLv2 | ssl.OP_NO_SSLv3
    keylog = os.environ.get('SSLKEYLOGFILE')   # as ssl.create_default_context
    if keylog and not sys.flags.ignore_environment:
        context.keylog_filename = keylog
    return context


class Connection(pymysql.connections.Connection):

    def _create_ssl_ctx(self, sslp):
        if not sslp:   # no TLS option given: preferred TLS, unverified
            return preferred_context()
        return super()._create_ssl_ctx(sslp)


def connect(*args, **kwargs):
    """``pymysql.connect``, with the preferred-TLS context made once."""
    return Connection(*args, **kwargs)
