"""L7 policy: HTTP status code of redirects."""
from alembic import op
import sqlalchemy as sa

revision = '6742ca1b27c2'
down_revision = 'a7f187cd221f'


def upgrade():
    op.add_column('l7policy', sa.Column('redirect_http_code', sa.Integer(),
                                        nullable=True))
