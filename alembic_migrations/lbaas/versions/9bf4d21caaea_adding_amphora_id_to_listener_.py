"""Keep listener statistics per amphora."""
from alembic import op
import sqlalchemy as sa

revision = '9bf4d21caaea'
down_revision = '8c0851bdf6c3'


def upgrade():
    dialect = op.get_context().dialect.name
    with op.batch_alter_table('listener_statistics') as batch:
        batch.add_column(sa.Column('amphora_id', sa.String(36),
                                   nullable=False))
        # On MySQL the key rides on the primary key's index, so it goes first.
        batch.drop_constraint('fk_listener_statistics_listener_id',
                              type_='foreignkey')
        # The old key is unnamed: PostgreSQL called it <table>_pkey, MySQL
        # needs no name, and SQLite's table copy simply takes the new key.
        if dialect == 'postgresql':
            batch.drop_constraint('listener_statistics_pkey', type_='primary')
        elif dialect != 'sqlite':
            batch.drop_constraint('PRIMARY', type_='primary')
        batch.create_primary_key('pk_listener_statistics',
                                 ['listener_id', 'amphora_id'])
        batch.create_foreign_key('fk_listener_statistics_listener_id',
                                 'listener', ['listener_id'], ['id'])
        batch.create_foreign_key('fk_listener_statistic_amphora_id',
                                 'amphora', ['amphora_id'], ['id'])
