"""Rows already in a table upgrade on every backend as on MySQL.

Upstream adds some NOT NULL columns without a default. MySQL fills the rows
already there with the type's implicit default; PostgreSQL and SQLite refuse.
Every backend must give those rows MySQL's value, and leave the schema the
one recorded for the revision (no default left behind).
"""
import pytest
import sqlalchemy as sa

import dbmanage.schema as schema
from tests import inprocess

CASES = [
    # revision, the one before, a row for the table, table, column, MySQL's value
    ('543f5d8e4e56', '2351ea316465',
     "INSERT INTO amphora_health (amphora_id, last_update) "
     "VALUES ('a1', '2020-01-01 00:00:00')", 'amphora_health', 'busy', False),
    ('5a3ee5472c31', '3b199c848b96',
     "INSERT INTO amphora (id, status) VALUES ('a1', 'ACTIVE')", 'amphora', 'cert_busy', False),
    ('c11292016060', '9b5473976d6d',
     "INSERT INTO listener_statistics (listener_id, amphora_id, bytes_in, bytes_out, "
     "active_connections, total_connections) VALUES ('l1', 'a1', 1, 2, 3, 4)",
     'listener_statistics', 'request_errors', 0),
]


@pytest.mark.parametrize('revision, before, row, table, column, value', CASES,
                         ids=[case[0] for case in CASES])
def test_a_not_null_column_fills_existing_rows_as_mysql_does(backend, make_db, revision, before,
                                                             row, table, column, value):
    url = make_db(backend)
    inprocess.run('lbaas', url, 'upgrade', revision=before)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(row)
    result = inprocess.run('lbaas', url, 'upgrade', revision=revision)
    assert result.revision_after == [revision]
    with engine.connect() as conn:
        found = conn.execute(sa.text('SELECT %s FROM %s' % (column, table))).scalars().all()
        differences = schema.verify(conn, 'lbaas', revision, tables=[table])
    engine.dispose()
    assert found == [value] and type(found[0]) in (type(value), int)
    assert [str(d) for d in differences] == []
