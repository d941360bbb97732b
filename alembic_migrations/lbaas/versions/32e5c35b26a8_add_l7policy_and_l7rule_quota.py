"""Quotas: limits and usage counts of L7 policies and rules."""
from alembic import op
import sqlalchemy as sa

revision = '32e5c35b26a8'
down_revision = 'd3c8a090f3de'


def upgrade():
    for name in ('l7policy', 'l7rule', 'in_use_l7policy', 'in_use_l7rule'):
        op.add_column('quotas', sa.Column(name, sa.Integer(), nullable=True))
