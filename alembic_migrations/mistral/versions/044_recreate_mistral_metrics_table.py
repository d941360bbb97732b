"""Rebuild mistral_metrics with timestamps and a serial id, set to RUNNING."""
from alembic import op
import sqlalchemy as sa

revision = '044'
down_revision = '043'

# The current UTC time to the second, as the service stamps its rows.
UTC_NOW = {
    'mysql': 'UTC_TIMESTAMP()',
    'postgresql': "date_trunc('second', timezone('utc', now()))",
    'sqlite': "datetime('now')",
}


def upgrade():
    op.drop_table('mistral_metrics')
    metrics = op.create_table(
        'mistral_metrics',
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('value', sa.String(255), nullable=False),
        sa.UniqueConstraint('name'),
    )
    now = sa.literal_column(UTC_NOW[op.get_context().dialect.name])
    # Guarded so that a resumed run does not insert the row twice.
    op.execute(metrics.insert().from_select(
        ['created_at', 'updated_at', 'id', 'name', 'value'],
        sa.select(now, now, sa.literal(1), sa.literal('maintenance_status'),
                  sa.literal('RUNNING'))
        .where(~sa.exists().where(metrics.c.id == 1))))
