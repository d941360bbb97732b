"""Give members and health monitors a name."""
from alembic import op
import sqlalchemy as sa

revision = '44a2414dd683'
down_revision = 'c11292016060'


def upgrade():
    for table in ('member', 'health_monitor'):
        op.add_column(table, sa.Column('name', sa.String(255), nullable=True))
