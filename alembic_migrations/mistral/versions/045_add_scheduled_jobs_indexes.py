"""Index scheduled jobs by due time and by key."""
from alembic import op

revision = '045'
down_revision = '044'


def upgrade():
    op.create_index('scheduled_jobs_v2_execute_at_captured_at',
                    'scheduled_jobs_v2', ['execute_at', 'captured_at'])
    op.create_index('scheduled_jobs_v2_key', 'scheduled_jobs_v2', ['key'])
