"""SOURCE_IP_PORT algorithm; OVN pools switch to it."""
from alembic import op
import sqlalchemy as sa

revision = 'dcf88e59aae4'
down_revision = 'da371b422669'


def upgrade():
    algorithm = sa.table('algorithm', sa.column('name', sa.String))
    op.execute(algorithm.insert().from_select(
        ['name'], sa.select(sa.literal('SOURCE_IP_PORT')).where(
            ~sa.exists().where(algorithm.c.name == 'SOURCE_IP_PORT'))))
    lb = sa.table('load_balancer', sa.column('id', sa.String),
                  sa.column('provider', sa.String))
    pool = sa.table('pool', sa.column('load_balancer_id', sa.String),
                    sa.column('lb_algorithm', sa.String))
    op.execute(pool.update().where(pool.c.load_balancer_id.in_(
        sa.select(lb.c.id).where(lb.c.provider == 'ovn'))).values(
            lb_algorithm='SOURCE_IP_PORT'))
