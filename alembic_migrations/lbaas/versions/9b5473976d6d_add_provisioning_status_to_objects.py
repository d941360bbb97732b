"""Give monitors, L7 objects, members and pools a provisioning status."""
from alembic import op
import sqlalchemy as sa

revision = '9b5473976d6d'
down_revision = '82b9402e71fd'


def upgrade():
    for table in ('health_monitor', 'l7policy', 'l7rule', 'member', 'pool'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('provisioning_status', sa.String(16),
                                       nullable=True))
            batch.create_foreign_key(
                'fk_%s_provisioning_status_name' % table,
                'provisioning_status', ['provisioning_status'], ['name'])
