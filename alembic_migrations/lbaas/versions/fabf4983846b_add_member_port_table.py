"""Create amphora_member_port: ports an amphora plugs for members."""
from alembic import op
import sqlalchemy as sa

revision = 'fabf4983846b'
down_revision = '8db7a6443785'


def upgrade():
    op.create_table(
        'amphora_member_port',
        sa.Column('port_id', sa.String(36), primary_key=True),
        sa.Column('amphora_id', sa.String(36), nullable=False, index=True),
        sa.Column('network_id', sa.String(36)),
        sa.Column('created_at', sa.DateTime()),
        sa.Column('updated_at', sa.DateTime()))
    # Added after the index so that MySQL uses it instead of making its own.
    with op.batch_alter_table('amphora_member_port') as batch:
        batch.create_foreign_key('fk_member_port_amphora_id', 'amphora',
                                 ['amphora_id'], ['id'])
