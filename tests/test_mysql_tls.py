"""PyMySQL's preferred TLS, with its context made once: nothing weakened."""
import ssl

import pymysql
import sqlalchemy as sa

from dbmanage.db import database
from dbmanage.db import versions
from dbmanage.dialects.mysql import tls as mysql_tls


def _settings(context):
    return (context.protocol, context.verify_mode, context.check_hostname, context.options,
            context.verify_flags, context.minimum_version, context.maximum_version)


def _unconnected(factory, **options):
    return factory(host='127.0.0.1', user='nobody', defer_connect=True, **options)


def test_preferred_tls_is_pymysqls_own_without_the_ca_store():
    theirs, ours = _unconnected(pymysql.connect), _unconnected(mysql_tls.connect)
    assert (ours.ssl, ours._ssl_required) == (theirs.ssl, theirs._ssl_required) == (True, False)
    assert _settings(ours.ctx) == _settings(theirs.ctx)
    assert ours.ctx.verify_mode == ssl.CERT_NONE   # the store is never read
    assert _unconnected(mysql_tls.connect).ctx is ours.ctx   # made once


def test_tls_options_are_pymysqls_to_handle():
    theirs = _unconnected(pymysql.connect, ssl_verify_cert=True, ssl_verify_identity=True)
    ours = _unconnected(mysql_tls.connect, ssl_verify_cert=True, ssl_verify_identity=True)
    assert ours.ctx is not mysql_tls.preferred_context()
    assert _settings(ours.ctx) == _settings(theirs.ctx)
    assert ours._ssl_required and ours.ctx.verify_mode == ssl.CERT_REQUIRED
    assert ours.ctx.cert_store_stats() == theirs.ctx.cert_store_stats()
    assert not _unconnected(mysql_tls.connect, ssl_disabled=True).ssl


def test_both_ways_to_the_database_use_it(make_db):
    url = make_db('mysql')
    engine = database.Database(url, 5).engine()
    with engine.connect() as conn:
        assert isinstance(conn.connection.driver_connection, mysql_tls.Connection)
        assert conn.execute(sa.text('SELECT 1')).scalar() == 1
    engine.dispose()
    reader = versions.Reader(url, 5)
    assert reader.heads() == []
    assert isinstance(reader._conn, mysql_tls.Connection)
    reader.close()
