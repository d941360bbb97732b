"""Track amphora certificate expiry and rotation."""
from alembic import op
import sqlalchemy as sa

from alembic_migrations.columns import add_not_null

revision = '5a3ee5472c31'
down_revision = '3b199c848b96'


def upgrade():
    op.add_column('amphora', sa.Column('cert_expiration', sa.DateTime(timezone=True),
                                       nullable=True))
    add_not_null('amphora', 'cert_busy', sa.Boolean(), sa.false())
