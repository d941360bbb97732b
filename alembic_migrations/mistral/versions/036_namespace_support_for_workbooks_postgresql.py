"""Drop PostgreSQL's old (name, project_id) key on workbooks."""
from alembic import op

revision = '036'
down_revision = '035'


def upgrade():
    # MySQL and SQLite lost this key in 028.
    if op.get_context().dialect.name == 'postgresql':
        op.drop_constraint('workbooks_v2_name_project_id_key',
                           'workbooks_v2', type_='unique')
