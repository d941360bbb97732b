"""Record the workflow id on executions."""
from alembic import op
import sqlalchemy as sa

revision = '011'
down_revision = '010'


def upgrade():
    op.add_column('executions_v2',
                  sa.Column('workflow_id', sa.String(80), nullable=True))
