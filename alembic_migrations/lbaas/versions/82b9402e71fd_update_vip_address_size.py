"""Leave vip.ip_address as it is (upstream's resize emits no DDL)."""

revision = '82b9402e71fd'
down_revision = '4a6ec0ab7284'


def upgrade():
    # Upstream restated only existing_type, which Alembic turns into no
    # statement on any backend, so the column stays VARCHAR(36).
    pass
