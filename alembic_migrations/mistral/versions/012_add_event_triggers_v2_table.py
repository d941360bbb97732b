"""Create event_triggers_v2."""
from alembic import op
import sqlalchemy as sa

revision = '012'
down_revision = '011'


def upgrade():
    op.create_table(
        'event_triggers_v2',
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('project_id', sa.String(80), nullable=True),
        sa.Column('scope', sa.String(80), nullable=True),
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(200), nullable=True),
        sa.Column('workflow_id', sa.String(36), nullable=False),
        sa.Column('exchange', sa.String(80), nullable=False),
        sa.Column('topic', sa.String(80), nullable=False),
        sa.Column('event', sa.String(80), nullable=False),
        sa.Column('workflow_params', sa.Text(), nullable=True),
        sa.Column('workflow_input', sa.Text(), nullable=True),
        sa.Column('trust_id', sa.String(80), nullable=True),
        sa.ForeignKeyConstraint(['workflow_id'],
                                ['workflow_definitions_v2.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('exchange', 'topic', 'event', 'workflow_id',
                            'project_id'),
        sa.Index('event_triggers_v2_project_id_workflow_id',
                 'project_id', 'workflow_id'),
    )
