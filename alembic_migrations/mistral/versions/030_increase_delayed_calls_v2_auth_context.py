"""Widen delayed_calls_v2.auth_context to MEDIUMTEXT."""
from alembic import op

from alembic_migrations.types import MediumText

revision = '030'
down_revision = '029'


def upgrade():
    with op.batch_alter_table('delayed_calls_v2') as batch:
        batch.alter_column('auth_context', type_=MediumText())
