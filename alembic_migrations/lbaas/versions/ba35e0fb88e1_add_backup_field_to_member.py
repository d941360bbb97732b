"""Add the backup flag to members."""
from alembic import op
import sqlalchemy as sa

revision = 'ba35e0fb88e1'
down_revision = '034756a182a2'


def upgrade():
    # The column ends up without a default; the temporary one fills existing
    # rows (MySQL would use false implicitly, PostgreSQL and SQLite refuse).
    op.add_column('member', sa.Column('backup', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('member') as batch:
        batch.alter_column('backup', existing_type=sa.Boolean(),
                           existing_nullable=False, server_default=None)
