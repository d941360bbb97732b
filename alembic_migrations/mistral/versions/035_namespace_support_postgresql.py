"""Drop PostgreSQL's old (name, project_id) key on workflow definitions."""
from alembic import op

revision = '035'
down_revision = '034'


def upgrade():
    # MySQL and SQLite lost this key in 022.
    if op.get_context().dialect.name == 'postgresql':
        op.drop_constraint('workflow_definitions_v2_name_project_id_key',
                           'workflow_definitions_v2', type_='unique')
