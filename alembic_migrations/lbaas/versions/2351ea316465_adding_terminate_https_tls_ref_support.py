"""Add the TERMINATED_HTTPS protocol and loosen listener.tls_certificate_id."""
from alembic import op
import sqlalchemy as sa

revision = '2351ea316465'
down_revision = '357d17a6d5ac'


def upgrade():
    protocol = sa.table('protocol', sa.column('name', sa.String))
    missing = ~sa.exists().where(protocol.c.name == 'TERMINATED_HTTPS')
    op.execute(protocol.insert().from_select(
        ['name'], sa.select(sa.literal('TERMINATED_HTTPS')).where(missing)))
    # MySQL's MODIFY restates the type it is given, so the column becomes
    # VARCHAR(255) there, as upstream's did; PostgreSQL only drops NOT NULL.
    with op.batch_alter_table('listener') as batch:
        batch.alter_column('tls_certificate_id',
                           existing_type=sa.String(255), nullable=True)
