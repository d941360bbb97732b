"""Turn workflow_executions_v2.description into TEXT."""
from alembic import op
import sqlalchemy as sa

revision = '041'
down_revision = '040'


def upgrade():
    with op.batch_alter_table('workflow_executions_v2') as batch:
        batch.alter_column('description', type_=sa.Text(),
                           existing_type=sa.String(255))
