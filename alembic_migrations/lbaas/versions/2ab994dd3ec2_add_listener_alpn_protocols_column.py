"""Listener: ALPN protocol list."""
from alembic import op
import sqlalchemy as sa

revision = '2ab994dd3ec2'
down_revision = '32e5c35b26a8'


def upgrade():
    op.add_column('listener', sa.Column('alpn_protocols', sa.String(512),
                                        nullable=True))
