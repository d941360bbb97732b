"""Let listeners share pools and record each pool's load balancer."""
from alembic import op
import sqlalchemy as sa

revision = '29ff921a6eb'
down_revision = '43287cd10fef'


def upgrade():
    # MySQL needs the key gone before the unique index it leans on.
    with op.batch_alter_table('listener') as batch:
        batch.drop_constraint('fk_listener_pool_id', type_='foreignkey')
        batch.drop_constraint('uq_listener_default_pool_id', type_='unique')
        batch.create_foreign_key('fk_listener_pool_id', 'pool',
                                 ['default_pool_id'], ['id'])
    # The key stays unnamed, as upstream's: each database names it. SQLite
    # can only take it inline with the new column.
    op.add_column('pool',
                  sa.Column('load_balancer_id', sa.String(36),
                            sa.ForeignKey('load_balancer.id'), nullable=True),
                  inline_references=op.get_context().dialect.name == 'sqlite')

    # A pool takes the load balancer of the listener using it as default.
    pool = sa.table('pool', sa.column('id'), sa.column('load_balancer_id'))
    listener = sa.table('listener', sa.column('default_pool_id'),
                        sa.column('load_balancer_id'))
    users = sa.select(listener.c.load_balancer_id).where(
        listener.c.default_pool_id == pool.c.id)
    op.execute(pool.update()
               .values(load_balancer_id=users.scalar_subquery())
               .where(users.exists()))
