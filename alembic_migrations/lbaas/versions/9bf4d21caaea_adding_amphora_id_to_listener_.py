"""Keep listener statistics per amphora."""
from alembic import op
import sqlalchemy as sa

revision = '9bf4d21caaea'
down_revision = '8c0851bdf6c3'


def upgrade():
    dialect = op.get_context().dialect.name
    if dialect not in ('mysql', 'mariadb'):
        _reshape_like_mysql()
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


def _reshape_like_mysql():
    """Give PostgreSQL and SQLite the column shapes MySQL has by now.

    Revisions 4faaa983e7a9, 2351ea316465, 6abb04f24c5 and 43287cd10fef
    changed these columns only on MySQL, whose CHANGE/MODIFY restate the
    whole column; elsewhere they kept their old shapes, and we keep that
    behaviour in those revisions. Upstream stops at this revision on
    PostgreSQL, so every such database is at the previous one when dbmanage
    takes it over: this is the first place to catch up.
    """
    with op.batch_alter_table('algorithm') as batch:
        batch.alter_column('name', existing_type=sa.String(30),
                           type_=sa.String(255), existing_nullable=False)
    for table in ('load_balancer', 'listener', 'pool', 'member'):
        with op.batch_alter_table(table) as batch:
            batch.alter_column('project_id', existing_type=sa.String(255),
                               type_=sa.String(36), existing_nullable=True)
            if table == 'listener':
                batch.alter_column('tls_certificate_id',
                                   existing_type=sa.String(36),
                                   type_=sa.String(255),
                                   existing_nullable=True)
            elif table == 'pool':
                batch.alter_column('lb_algorithm',
                                   existing_type=sa.String(16),
                                   type_=sa.String(255),
                                   existing_nullable=False)
            elif table == 'member':
                batch.alter_column('ip_address', existing_type=sa.String(64),
                                   nullable=True)
