"""Listener: HTTP Strict Transport Security settings."""
from alembic import op
import sqlalchemy as sa

revision = '632152d2d32e'
down_revision = '0995c26fc506'


def upgrade():
    op.add_column('listener', sa.Column('hsts_max_age', sa.Integer(),
                                        nullable=True))
    op.add_column('listener', sa.Column('hsts_include_subdomains',
                                        sa.Boolean(), nullable=True))
    op.add_column('listener', sa.Column('hsts_preload', sa.Boolean(),
                                        nullable=True))
