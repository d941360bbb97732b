"""Add the client authentication modes and the listener's choice of one."""
from alembic import op
import sqlalchemy as sa

revision = 'f21ae3f21adc'
down_revision = '2ad093f6353f'


def upgrade():
    op.create_table(
        'client_authentication_mode',
        sa.Column('name', sa.String(10), primary_key=True),
    )
    for name in ('NONE', 'OPTIONAL', 'MANDATORY'):
        op.execute("INSERT INTO client_authentication_mode (name) SELECT '%s' "
                   "WHERE NOT EXISTS (SELECT 1 FROM client_authentication_mode"
                   " WHERE name = '%s')" % (name, name))
    column = sa.Column('client_authentication', sa.String(10), nullable=False,
                       server_default='NONE')
    # The foreign key stays unnamed, as upstream left it. Batch mode only adds
    # named constraints, so SQLite gets it as an extra argument of the table
    # recreate, pointing at a column object the batch's metadata can't lack.
    if op.get_context().dialect.name == 'sqlite':
        modes = sa.Table('client_authentication_mode', sa.MetaData(),
                         sa.Column('name', sa.String(10)))
        fk = sa.ForeignKeyConstraint(['client_authentication'], [modes.c.name])
        with op.batch_alter_table('listener', recreate='always',
                                  table_args=(fk,)) as batch:
            batch.add_column(column)
    else:
        op.add_column('listener', column)
        op.create_foreign_key(None, 'listener', 'client_authentication_mode',
                              ['client_authentication'], ['name'])
