"""Record the root execution of each workflow execution."""
from alembic import op
import sqlalchemy as sa

revision = '023'
down_revision = '022'


def upgrade():
    op.add_column('workflow_executions_v2',
                  sa.Column('root_execution_id', sa.String(80),
                            nullable=True))
