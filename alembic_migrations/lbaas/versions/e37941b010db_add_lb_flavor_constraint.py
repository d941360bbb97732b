"""Load balancer flavor_id becomes a foreign key to flavor."""
from alembic import op
import sqlalchemy as sa

NIL_UUID = '00000000-0000-0000-0000-000000000000'

revision = 'e37941b010db'
down_revision = 'dcf88e59aae4'


def upgrade():
    profile = sa.table('flavor_profile', sa.column('id', sa.String),
                       sa.column('name', sa.String),
                       sa.column('provider_name', sa.String),
                       sa.column('flavor_data', sa.String))
    op.execute(profile.insert().from_select(
        ['id', 'name', 'provider_name', 'flavor_data'],
        sa.select(sa.literal(NIL_UUID), sa.literal('DELETED-PLACEHOLDER'),
                  sa.literal('DELETED'), sa.literal('{}')).where(
            ~sa.exists().where(profile.c.id == NIL_UUID))))
    flavor = sa.table('flavor', sa.column('id', sa.String),
                      sa.column('name', sa.String),
                      sa.column('description', sa.String),
                      sa.column('enabled', sa.Boolean),
                      sa.column('flavor_profile_id', sa.String))
    op.execute(flavor.insert().from_select(
        ['id', 'name', 'description', 'enabled', 'flavor_profile_id'],
        sa.select(sa.literal(NIL_UUID), sa.literal('DELETED-PLACEHOLDER'),
                  sa.literal('Placeholder for DELETED LBs with DELETED '
                             'flavors'),
                  sa.false(), sa.literal(NIL_UUID)).where(
            ~sa.exists().where(flavor.c.id == NIL_UUID))))

    # Load balancers naming a flavor that no longer exists point at the
    # placeholder, so that the key can be added.
    lb = sa.table('load_balancer', sa.column('flavor_id', sa.String))
    op.execute(lb.update().where(
        lb.c.flavor_id.is_not(None),
        ~sa.exists().where(flavor.c.id == lb.c.flavor_id)).values(
            flavor_id=NIL_UUID))

    with op.batch_alter_table('load_balancer') as batch:
        batch.create_foreign_key('fk_loadbalancer_flavor_id', 'flavor',
                                 ['flavor_id'], ['id'])
