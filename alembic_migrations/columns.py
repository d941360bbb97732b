"""NOT NULL columns added without a server default, on every backend.

Upstream adds some NOT NULL columns with no server default. MySQL fills the
rows already there with the type's implicit value (0, false); PostgreSQL and
SQLite refuse a table that holds rows. There the column is added with that
value as a default, which is dropped again (SQLite by copying the table), so
the rows get what MySQL gives them and the schema stays upstream's. MySQL
runs upstream's one statement.
"""
from alembic import op
import sqlalchemy as sa


def add_not_null(table_name, name, type_, fill):
    """Add ``name`` (``type_``, NOT NULL, no default) to ``table_name``;
    rows already there get ``fill`` (a server default: ``'0'``, ``sa.false()``)."""
    if op.get_context().dialect.name in ('mysql', 'mariadb'):
        op.add_column(table_name, sa.Column(name, type_, nullable=False))
        return
    op.add_column(table_name, sa.Column(name, type_, nullable=False, server_default=fill))
    with op.batch_alter_table(table_name) as batch:
        batch.alter_column(name, existing_type=type_, existing_nullable=False,
                           server_default=None)
