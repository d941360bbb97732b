"""Add unique_key columns to delayed calls and task executions."""
from alembic import op
import sqlalchemy as sa

revision = '015'
down_revision = '014'


def upgrade():
    sqlite = op.get_context().dialect.name == 'sqlite'
    for table, cols in (('delayed_calls_v2', ['unique_key', 'processing']),
                        ('task_executions_v2', ['unique_key'])):
        op.add_column(table,
                      sa.Column('unique_key', sa.String(80), nullable=True))
        # Unnamed as upstream; SQLite's table rebuild needs a name.
        name = '%s_%s_key' % (table, '_'.join(cols)) if sqlite else None
        with op.batch_alter_table(table) as batch:
            batch.create_unique_constraint(name, cols)
