"""Primary key of spares_pool (already there)."""

revision = '392fb85b4419'
down_revision = '46d914b2a5e5'


def upgrade():
    # 6ffc710674ef creates spares_pool with updated_at as its primary key,
    # so this chain always arrives here with the key in place.
    pass
