"""Keep the lookup name columns; upstream's widening emits no DDL."""

revision = '13500e2e978d'
down_revision = '4c094013699a'


def upgrade():
    # Upstream restated only existing_type, which Alembic turns into no
    # statement on any backend, so the names stay VARCHAR(30).
    pass
