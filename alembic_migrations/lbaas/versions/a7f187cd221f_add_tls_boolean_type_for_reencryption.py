"""Pool: tls_enabled flag for re-encryption to members."""
from alembic import op
import sqlalchemy as sa

revision = 'a7f187cd221f'
down_revision = '74aae261694c'


def upgrade():
    op.add_column('pool', sa.Column('tls_enabled', sa.Boolean(),
                                    server_default=sa.false(),
                                    nullable=False))
