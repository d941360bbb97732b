"""Create listener_cidr: allowed source CIDRs of listeners."""
from alembic import op
import sqlalchemy as sa

revision = 'da371b422669'
down_revision = 'a5762a99609a'


def upgrade():
    op.create_table(
        'listener_cidr',
        sa.Column('listener_id', sa.String(36), nullable=False),
        sa.Column('cidr', sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(['listener_id'], ['listener.id'],
                                name='fk_listener_cidr_listener_id'),
        sa.PrimaryKeyConstraint('listener_id', 'cidr'))
