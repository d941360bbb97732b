"""Record the owning workbook on action and workflow definitions."""
from alembic import op
import sqlalchemy as sa

revision = '039'
down_revision = '038'


def upgrade():
    for table in ('action_definitions_v2', 'workflow_definitions_v2'):
        op.add_column(table,
                      sa.Column('workbook_name', sa.String(255),
                                nullable=True))
