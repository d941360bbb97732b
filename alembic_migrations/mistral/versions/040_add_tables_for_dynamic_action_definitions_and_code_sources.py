"""Create code_sources and dynamic_action_definitions."""
from alembic import op
import sqlalchemy as sa

revision = '040'
down_revision = '039'


def upgrade():
    op.create_table(
        'code_sources',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('project_id', sa.String(80), nullable=True),
        sa.Column('namespace', sa.String(255), nullable=True),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('tags', sa.Text(), nullable=True),
        sa.Column('scope', sa.String(80), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name', 'namespace', 'project_id'),
    )
    # Separate statements: indexes given to create_table come out in set
    # order, which differs between runs.
    op.create_index('code_sources_project_id', 'code_sources', ['project_id'])
    op.create_index('code_sources_scope', 'code_sources', ['scope'])
    op.create_table(
        'dynamic_action_definitions',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('class_name', sa.String(255), nullable=False),
        sa.Column('scope', sa.String(80), nullable=True),
        sa.Column('project_id', sa.String(80), nullable=True),
        sa.Column('code_source_id', sa.String(36), nullable=False),
        sa.Column('code_source_name', sa.String(255), nullable=False),
        sa.Column('namespace', sa.String(255), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.ForeignKeyConstraint(['code_source_id'], ['code_sources.id'],
                                ondelete='CASCADE'),
        sa.UniqueConstraint('name', 'namespace', 'project_id'),
    )
    op.create_index('dynamic_action_definitions_project_id',
                    'dynamic_action_definitions', ['project_id'])
    op.create_index('dynamic_action_definitions_scope',
                    'dynamic_action_definitions', ['scope'])
