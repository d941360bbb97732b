"""Rows of the lookup tables (statuses, protocols ...), inserted idempotently.

Each name is one ``INSERT ... SELECT ... WHERE NOT EXISTS``: running it again
after a crash inserts only what is missing, online and in ``--sql`` output
alike, and the rows end up the same as a plain insert's.
"""
from alembic import op
import sqlalchemy as sa


def insert_names(table_name, names):
    """Insert a row ``(name)`` into ``table_name`` for each name it lacks."""
    table = sa.table(table_name, sa.column('name', sa.String))
    for name in names:
        op.execute(table.insert().from_select(
            ['name'], sa.select(sa.literal(name, sa.String)).where(
                ~sa.exists().where(table.c.name == name))))
