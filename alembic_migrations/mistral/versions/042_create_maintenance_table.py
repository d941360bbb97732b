"""Create mistral_metrics holding the maintenance status, set to RUNNING."""
from alembic import op
import sqlalchemy as sa

revision = '042'
down_revision = '041'


def upgrade():
    metrics = op.create_table(
        'mistral_metrics',
        sa.Column('name', sa.String(255), nullable=True, unique=True),
        sa.Column('value', sa.String(255), nullable=True),
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=False,
                  server_default=sa.text('1')),
    )
    # Guarded so that a resumed run does not insert the row twice.
    op.execute(metrics.insert().from_select(
        ['id', 'name', 'value'],
        sa.select(sa.literal(1), sa.literal('maintenance_status'),
                  sa.literal('RUNNING'))
        .where(~sa.exists().where(metrics.c.id == 1))))
