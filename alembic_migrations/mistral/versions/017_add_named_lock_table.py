"""Create the named_locks table."""
from alembic import op
import sqlalchemy as sa

revision = '017'
down_revision = '016'


def upgrade():
    op.create_table(
        'named_locks',
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(250), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
