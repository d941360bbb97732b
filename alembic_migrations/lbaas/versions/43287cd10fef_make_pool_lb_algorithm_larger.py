"""Widen pool.lb_algorithm and algorithm.name."""
from alembic import op
import sqlalchemy as sa

revision = '43287cd10fef'
down_revision = '6abb04f24c5'


def upgrade():
    # The key must go while both ends change. Only MySQL's MODIFY restates
    # the given type, so only there do the columns become VARCHAR(255), as
    # upstream's did; PostgreSQL just re-asserts NOT NULL.
    with op.batch_alter_table('pool') as batch:
        batch.drop_constraint('fk_pool_algorithm_name', type_='foreignkey')
    with op.batch_alter_table('algorithm') as batch:
        batch.alter_column('name', existing_type=sa.String(255),
                           nullable=False)
    with op.batch_alter_table('pool') as batch:
        batch.alter_column('lb_algorithm', existing_type=sa.String(255),
                           nullable=False)
        batch.create_foreign_key('fk_pool_algorithm_name', 'algorithm',
                                 ['lb_algorithm'], ['name'])
