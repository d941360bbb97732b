"""Add created_at and updated_at to the main load balancer tables."""
from alembic import op
import sqlalchemy as sa

revision = '36b94648fef8'
down_revision = '4d9cf7d32f2'


def upgrade():
    for table in ('member', 'pool', 'load_balancer', 'listener'):
        op.add_column(table,
                      sa.Column('created_at', sa.DateTime(), nullable=True))
        op.add_column(table,
                      sa.Column('updated_at', sa.DateTime(), nullable=True))
