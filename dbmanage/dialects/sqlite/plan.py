"""The plan's claims on SQLite: which operations rebuild their table.

SQLite alters little in place; Alembic's batch mode copies a table into a
new one for the rest. The test suite proves the claims by watching which
tables batch mode rebuilds.
"""
from __future__ import annotations

import sqlalchemy as sa

ESTIMATES = 'rows are exact counts'
FILLS_IMPLICIT_DEFAULT = False
RESTATES_TYPE = False
#: A scratch database is a file of its own (``rehearse``).
SCRATCH_IN_A_FILE = True


def server_version(conn) -> str:
    return 'SQLite ' + conn.execute(sa.text('SELECT sqlite_version()')).scalar()


def claims_hold_for(server: str) -> str:
    return server


def table_sizes(conn, names: list[str]):
    """SQLite keeps no statistics: exact counts."""
    return [(n, conn.execute(sa.text('SELECT count(*) FROM "%s"' % n)).scalar(), None)
            for n in names]


def bytes_per_character(conn) -> int:
    return 4


def _rebuild(op, schema):
    """(rebuilt, why) on SQLite."""
    if op.rebuild:
        return True, 'batch mode copies the table into a new one'
    if op.kind in ('create_index', 'add_constraint'):
        return False, 'index built while the database is write-locked'
    return False, ''


def claims(op, schema) -> dict:
    rebuilt, reason = _rebuild(op, schema)
    return dict(rebuild=rebuilt, note=reason,
                writes_wait=op.kind not in ('create_table',),
                blocks_writes=rebuilt or op.kind in ('create_index', 'add_constraint'))


def cost(op) -> str:
    return 'rebuild' if op['rebuild'] else '-'


def foreign_key_checks(conn, on: bool):
    """Foreign keys are not enforced without PRAGMA foreign_keys."""
