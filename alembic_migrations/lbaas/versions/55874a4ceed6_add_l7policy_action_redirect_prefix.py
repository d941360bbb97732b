"""Add the REDIRECT_PREFIX L7 policy action."""
from alembic import op
import sqlalchemy as sa

revision = '55874a4ceed6'
down_revision = '76aacf2e176c'


def upgrade():
    op.add_column('l7policy', sa.Column('redirect_prefix', sa.String(255)))
    op.execute("INSERT INTO l7policy_action (name) SELECT 'REDIRECT_PREFIX' "
               "WHERE NOT EXISTS (SELECT 1 FROM l7policy_action "
               "WHERE name = 'REDIRECT_PREFIX')")
