"""Give workbooks without a namespace the empty one."""
from alembic import op
import sqlalchemy as sa

revision = '029'
down_revision = '028'


def upgrade():
    workbooks = sa.table('workbooks_v2', sa.column('namespace', sa.String))
    op.execute(workbooks.update()
               .where(workbooks.c.namespace.is_(None))
               .values(namespace=''))
