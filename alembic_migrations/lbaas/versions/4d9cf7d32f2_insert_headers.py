"""Add the pickled insert_headers setting to listener."""
from alembic import op
import sqlalchemy as sa

revision = '4d9cf7d32f2'
down_revision = '9bf4d21caaea'


def upgrade():
    op.add_column('listener',
                  sa.Column('insert_headers', sa.LargeBinary(), nullable=True))
