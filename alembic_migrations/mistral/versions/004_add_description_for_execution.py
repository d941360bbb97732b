"""Give executions a description column."""
from alembic import op
import sqlalchemy as sa

revision = '004'
down_revision = '003'


def upgrade():
    op.add_column('executions_v2',
                  sa.Column('description', sa.String(255), nullable=True))
