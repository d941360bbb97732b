"""Drop listener_statistics' foreign keys so it can move to another DB."""
from alembic import op

revision = '4a6ec0ab7284'
down_revision = '62816c232310'


def upgrade():
    with op.batch_alter_table('listener_statistics') as batch:
        batch.drop_constraint('fk_listener_statistics_listener_id',
                              type_='foreignkey')
        batch.drop_constraint('fk_listener_statistic_amphora_id',
                              type_='foreignkey')
    # MySQL keeps the index it made for the amphora key; the others never
    # had one, so add it for the same schema everywhere.
    if op.get_context().dialect.name not in ('mysql', 'mariadb'):
        op.create_index('fk_listener_statistic_amphora_id',
                        'listener_statistics', ['amphora_id'])
