"""Widen environments_v2.variables to LONGTEXT."""
from alembic import op

from alembic_migrations.types import LongText

revision = '021'
down_revision = '020'


def upgrade():
    with op.batch_alter_table('environments_v2') as batch:
        batch.alter_column('variables', type_=LongText())
