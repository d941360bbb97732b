"""Create spares_pool, the one-row lock for spare amphora builds."""
from alembic import op
import sqlalchemy as sa

revision = '6ffc710674ef'
down_revision = '7432f1d4ea83'


def upgrade():
    op.create_table(
        'spares_pool',
        sa.Column('updated_at', sa.DateTime(), primary_key=True,
                  server_default=sa.func.current_timestamp()))
