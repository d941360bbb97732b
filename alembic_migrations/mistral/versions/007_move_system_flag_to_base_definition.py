"""Add is_system to workbooks and workflow definitions."""
from alembic import op
import sqlalchemy as sa

revision = '007'
down_revision = '006'


def upgrade():
    for table in ('workbooks_v2', 'workflow_definitions_v2'):
        op.add_column(table,
                      sa.Column('is_system', sa.Boolean(), nullable=True))
