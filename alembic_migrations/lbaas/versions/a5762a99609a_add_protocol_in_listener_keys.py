"""Listener: protocol joins the load balancer/port unique key."""
from alembic import op

revision = 'a5762a99609a'
down_revision = '392fb85b4419'


def upgrade():
    name = 'uq_listener_load_balancer_id_protocol_port'
    columns = ['load_balancer_id', 'protocol', 'protocol_port']
    if op.get_context().dialect.name == 'mysql':
        # One statement: the foreign key on load_balancer_id refuses to lose
        # its only index, even for a moment.
        # The option tells dbmanage, resuming after a crash, what the
        # statement leaves behind (stock Alembic ignores it).
        op.execute('ALTER TABLE listener DROP INDEX %s, ADD UNIQUE KEY %s (%s)'
                   % (name, name, ', '.join(columns)),
                   execution_options={'dbmanage_resume': ('index', 'listener', name, columns)})
    else:
        with op.batch_alter_table('listener') as batch:
            batch.drop_constraint(name, type_='unique')
            batch.create_unique_constraint(name, columns)
