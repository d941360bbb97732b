"""Every claim `plan` makes about both chains, checked against the servers.

Each revision is planned from the live database and then run with its
statements watched (tools/prove_plan.py): on MariaDB every ALTER runs
with the claimed ALGORITHM/LOCK forced after the next cheaper one was
refused; on PostgreSQL pg_locks and relfilenode must agree with the claimed
lock and rewrite; on SQLite the tables rebuilt must be the ones claimed. The
walks cover every revision of both chains.
"""
import pytest
import sqlalchemy as sa

from dbmanage import services
from tools import prove_plan as prove
from tests import conftest


def _walk(url, service):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return prove.walk(conn, services.get(service))
    finally:
        engine.dispose()


def _kinds(service):
    from dbmanage.plan import collect
    return {op.kind for op in collect.pending(services.get(service), 'mysql', [], 'head')}


@pytest.mark.parametrize('service', ['mistral', 'lbaas'])
def test_mariadb_accepts_each_claimed_algorithm_and_refuses_a_cheaper_one(make_db, service):
    url = make_db('mysql')
    report = _walk(url, service)
    assert report.contradictions == []
    assert report.kinds == _kinds(service)
    forced = {f.split()[-2] for f in report.forced}
    assert forced >= {'ALGORITHM=INSTANT', 'ALGORITHM=COPY', 'ALGORITHM=INPLACE'}
    # The forced statements built the same schema as the plain chain.
    assert conftest.schema_dump(url) == conftest.REFERENCE[service].read_text()


@pytest.mark.parametrize('service', ['mistral', 'lbaas'])
def test_postgresql_shows_each_claimed_lock_and_rewrite(make_db, service):
    report = _walk(make_db('postgresql'), service)
    assert report.contradictions == []
    assert report.kinds >= _kinds(service) - {'drop_index', 'bulk_insert'}
    assert report.observed > report.checked // 2


def test_a_refused_cheaper_algorithm_is_reported(make_db):
    """A wrong claim is caught: claim COPY for an instant ADD COLUMN."""
    from dbmanage.dialects.mysql import plan as claims
    url = make_db('mysql')
    original = claims._algorithm

    def wrong(op, schema):
        if op.kind == 'add_column':
            return 'COPY', 'SHARED', 'deliberately wrong'
        return original(op, schema)
    claims._algorithm = wrong
    try:
        with pytest.raises(Exception, match='claim contradicted'):
            _walk(url, 'mistral')
    finally:
        claims._algorithm = original


@pytest.mark.parametrize('service', ['mistral', 'lbaas'])
def test_sqlite_rebuilds_exactly_the_tables_claimed(make_db, service):
    report = _walk(make_db('sqlite'), service)
    assert report.contradictions == []
    assert report.observed > 10      # tables rebuilt, each one claimed
