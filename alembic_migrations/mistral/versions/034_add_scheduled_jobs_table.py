"""(Re)create scheduled_jobs_v2."""
from alembic import op
import sqlalchemy as sa

revision = '034'
down_revision = '033'


def upgrade():
    # Older services could create this table from their models with an
    # outdated layout; it only holds transient jobs, so replace it.
    op.drop_table('scheduled_jobs_v2', if_exists=True)
    op.create_table(
        'scheduled_jobs_v2',
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('run_after', sa.Integer(), nullable=True),
        sa.Column('target_factory_func_name', sa.String(200), nullable=True),
        sa.Column('func_name', sa.String(80), nullable=True),
        sa.Column('func_args', sa.Text(), nullable=True),
        sa.Column('func_arg_serializers', sa.Text(), nullable=True),
        sa.Column('auth_ctx', sa.Text(), nullable=True),
        sa.Column('execute_at', sa.DateTime(), nullable=False),
        sa.Column('captured_at', sa.DateTime(), nullable=True),
        sa.Column('key', sa.String(250), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
