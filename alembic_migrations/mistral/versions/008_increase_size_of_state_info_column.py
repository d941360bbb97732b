"""Turn executions.state_info into TEXT."""
from alembic import op
import sqlalchemy as sa

revision = '008'
down_revision = '007'


def upgrade():
    with op.batch_alter_table('executions_v2') as batch:
        batch.alter_column('state_info', type_=sa.Text())
