"""Add the per-project quotas table."""
from alembic import op
import sqlalchemy as sa

revision = '3f8ff3be828e'
down_revision = '44a2414dd683'

RESOURCES = ('health_monitor', 'load_balancer', 'listener', 'member', 'pool')


def upgrade():
    op.create_table(
        'quotas',
        sa.Column('project_id', sa.String(36), primary_key=True),
        *[sa.Column(name, sa.Integer(), nullable=True) for name in RESOURCES],
        *[sa.Column('in_use_' + name, sa.Integer(), nullable=True)
          for name in RESOURCES],
    )
