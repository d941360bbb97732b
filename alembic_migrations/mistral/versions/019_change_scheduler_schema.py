"""Replace delayed_calls_v2.unique_key with a plain key column."""
from alembic import op
import sqlalchemy as sa

revision = '019'
down_revision = '018'


def upgrade():
    dialect = op.get_context().dialect.name
    # The (unique_key, processing) key of 015 must go before its column.
    # MySQL named it 'unique_key'; PostgreSQL drops it with the column.
    if dialect == 'mysql':
        op.drop_index('unique_key', table_name='delayed_calls_v2')
    with op.batch_alter_table('delayed_calls_v2') as batch:
        if dialect == 'sqlite':
            batch.drop_constraint('delayed_calls_v2_unique_key_processing_key',
                                  type_='unique')
        batch.drop_column('unique_key')
    op.add_column('delayed_calls_v2',
                  sa.Column('key', sa.String(250), nullable=True))
    op.create_index('delayed_calls_v2_execution_time', 'delayed_calls_v2',
                    ['execution_time'])
