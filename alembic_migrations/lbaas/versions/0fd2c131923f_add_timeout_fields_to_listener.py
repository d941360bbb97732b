"""Add the client, member and TCP inspect timeouts to listeners."""
from alembic import op
import sqlalchemy as sa

revision = '0fd2c131923f'
down_revision = 'ba35e0fb88e1'


def upgrade():
    for name in ('timeout_client_data', 'timeout_member_connect',
                 'timeout_member_data', 'timeout_tcp_inspect'):
        op.add_column('listener', sa.Column(name, sa.Integer()))
