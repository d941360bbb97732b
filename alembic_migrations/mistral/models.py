"""Mistral's schema at revision 045, as plain SQLAlchemy Core tables.

This is the schema the migration chain leaves behind, not the one Mistral's
ORM classes would create from scratch: where the two disagree the database
wins, because ``revision --autogenerate`` compares ``metadata`` with a
migrated database and must find nothing to do.  The differences that matter:

* ``executions_v2`` (the pre-split execution table) is never dropped;
* ``workflow_executions_v2.description`` is TEXT, ``root_execution_id`` is
  VARCHAR(80) without a foreign key;
* ``scheduled_jobs_v2.func_name`` is nullable;
* ``code_sources`` and ``dynamic_action_definitions`` keep the NOT NULL
  columns their creating revision gave them;
* ``delayed_calls_v2`` keeps the ``processing, execution_time`` index;
* ``named_locks`` and ``mistral_metrics`` exist only through migrations.

Unique and foreign key constraints are left unnamed, as the migrations
create them, so each backend names them the way it did there.  Column order
follows the migrated tables, so ``metadata.create_all()`` on an empty
database gives the same column layout.
"""
import sqlalchemy as sa

from alembic_migrations.types import LongText
from alembic_migrations.types import MediumText

metadata = sa.MetaData()


def _stamps():
    return [
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
    ]


def _scope():
    return [
        sa.Column('scope', sa.String(80), nullable=True),
        sa.Column('project_id', sa.String(80), nullable=True),
    ]


def _id():
    return sa.Column('id', sa.String(36), nullable=False, primary_key=True)


def _indexes(table, *columns):
    """Single-column indexes named ``<table>_<column>``."""
    return [sa.Index('%s_%s' % (table, col), col) for col in columns]


# Definitions.

workbooks_v2 = sa.Table(
    'workbooks_v2', metadata,
    *_stamps(),
    *_scope(),
    _id(),
    sa.Column('name', sa.String(255), nullable=True),
    sa.Column('definition', MediumText(), nullable=True),
    sa.Column('spec', MediumText(), nullable=True),
    sa.Column('tags', sa.Text(), nullable=True),
    sa.Column('is_system', sa.Boolean(), nullable=True),
    sa.Column('namespace', sa.String(255), nullable=True),
    sa.UniqueConstraint('name', 'namespace', 'project_id'),
    *_indexes('workbooks_v2', 'project_id', 'scope'),
)

workflow_definitions_v2 = sa.Table(
    'workflow_definitions_v2', metadata,
    *_stamps(),
    *_scope(),
    _id(),
    sa.Column('name', sa.String(255), nullable=True),
    sa.Column('definition', MediumText(), nullable=True),
    sa.Column('spec', MediumText(), nullable=True),
    sa.Column('tags', sa.Text(), nullable=True),
    sa.Column('is_system', sa.Boolean(), nullable=True),
    sa.Column('namespace', sa.String(255), nullable=True),
    sa.Column('workbook_name', sa.String(255), nullable=True),
    sa.Column('checksum', sa.String(32), nullable=True),
    sa.UniqueConstraint('name', 'namespace', 'project_id'),
    *_indexes('workflow_definitions_v2', 'is_system', 'project_id', 'scope'),
)

action_definitions_v2 = sa.Table(
    'action_definitions_v2', metadata,
    *_stamps(),
    *_scope(),
    _id(),
    sa.Column('name', sa.String(255), nullable=True),
    sa.Column('definition', MediumText(), nullable=True),
    sa.Column('spec', MediumText(), nullable=True),
    sa.Column('tags', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('input', sa.Text(), nullable=True),
    sa.Column('action_class', sa.String(200), nullable=True),
    sa.Column('attributes', sa.Text(), nullable=True),
    sa.Column('is_system', sa.Boolean(), nullable=True),
    sa.Column('namespace', sa.String(255), nullable=True),
    sa.Column('workbook_name', sa.String(255), nullable=True),
    sa.UniqueConstraint('name', 'namespace', 'project_id'),
    *_indexes('action_definitions_v2',
              'action_class', 'is_system', 'project_id', 'scope'),
)

code_sources = sa.Table(
    'code_sources', metadata,
    _id(),
    sa.Column('name', sa.String(255), nullable=False),
    sa.Column('project_id', sa.String(80), nullable=True),
    sa.Column('namespace', sa.String(255), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('tags', sa.Text(), nullable=True),
    sa.Column('scope', sa.String(80), nullable=True),
    *_stamps(),
    sa.UniqueConstraint('name', 'namespace', 'project_id'),
    *_indexes('code_sources', 'project_id', 'scope'),
)

dynamic_action_definitions = sa.Table(
    'dynamic_action_definitions', metadata,
    _id(),
    sa.Column('name', sa.String(255), nullable=False),
    sa.Column('class_name', sa.String(255), nullable=False),
    sa.Column('scope', sa.String(80), nullable=True),
    sa.Column('project_id', sa.String(80), nullable=True),
    sa.Column('code_source_id', sa.String(36),
              sa.ForeignKey('code_sources.id', ondelete='CASCADE'),
              nullable=False),
    sa.Column('code_source_name', sa.String(255), nullable=False),
    sa.Column('namespace', sa.String(255), nullable=True),
    *_stamps(),
    sa.UniqueConstraint('name', 'namespace', 'project_id'),
    *_indexes('dynamic_action_definitions', 'project_id', 'scope'),
)


# Executions.  workflow_executions_v2 and task_executions_v2 point at each
# other; the foreign key that closes the cycle is added after both tables.

executions_v2 = sa.Table(
    'executions_v2', metadata,
    *_stamps(),
    *_scope(),
    sa.Column('type', sa.String(50), nullable=True),
    _id(),
    sa.Column('name', sa.String(80), nullable=True),
    sa.Column('workflow_name', sa.String(80), nullable=True),
    sa.Column('spec', sa.Text(), nullable=True),
    sa.Column('state', sa.String(20), nullable=True),
    sa.Column('state_info', sa.Text(), nullable=True),
    sa.Column('tags', sa.Text(), nullable=True),
    sa.Column('accepted', sa.Boolean(), nullable=True),
    sa.Column('input', LongText(), nullable=True),
    sa.Column('output', LongText(), nullable=True),
    sa.Column('params', LongText(), nullable=True),
    sa.Column('context', LongText(), nullable=True),
    sa.Column('action_spec', LongText(), nullable=True),
    sa.Column('processed', sa.Boolean(), nullable=True),
    sa.Column('in_context', LongText(), nullable=True),
    sa.Column('published', LongText(), nullable=True),
    sa.Column('runtime_context', LongText(), nullable=True),
    sa.Column('task_execution_id', sa.String(36),
              sa.ForeignKey('executions_v2.id'), nullable=True),
    sa.Column('workflow_execution_id', sa.String(36),
              sa.ForeignKey('executions_v2.id'), nullable=True),
    sa.Column('description', sa.String(255), nullable=True),
    sa.Column('workflow_id', sa.String(80), nullable=True),
    *_indexes('executions_v2', 'project_id', 'scope', 'state',
              'task_execution_id', 'type', 'updated_at',
              'workflow_execution_id'),
)

workflow_executions_v2 = sa.Table(
    'workflow_executions_v2', metadata,
    *_stamps(),
    *_scope(),
    _id(),
    sa.Column('name', sa.String(255), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('workflow_name', sa.String(255), nullable=True),
    sa.Column('workflow_id', sa.String(80), nullable=True),
    sa.Column('spec', MediumText(), nullable=True),
    sa.Column('state', sa.String(20), nullable=True),
    sa.Column('state_info', sa.Text(), nullable=True),
    sa.Column('tags', sa.Text(), nullable=True),
    sa.Column('runtime_context', LongText(), nullable=True),
    sa.Column('accepted', sa.Boolean(), nullable=True),
    sa.Column('input', LongText(), nullable=True),
    sa.Column('output', LongText(), nullable=True),
    sa.Column('params', LongText(), nullable=True),
    sa.Column('context', LongText(), nullable=True),
    sa.Column('task_execution_id', sa.String(36), nullable=True),
    sa.Column('workflow_namespace', sa.String(255), nullable=True),
    sa.Column('root_execution_id', sa.String(80), nullable=True),
    *_indexes('workflow_executions_v2', 'project_id', 'scope', 'state',
              'task_execution_id', 'updated_at'),
)

task_executions_v2 = sa.Table(
    'task_executions_v2', metadata,
    *_stamps(),
    *_scope(),
    _id(),
    sa.Column('name', sa.String(255), nullable=True),
    sa.Column('description', sa.String(255), nullable=True),
    sa.Column('workflow_name', sa.String(255), nullable=True),
    sa.Column('workflow_id', sa.String(80), nullable=True),
    sa.Column('spec', MediumText(), nullable=True),
    sa.Column('state', sa.String(20), nullable=True),
    sa.Column('state_info', sa.Text(), nullable=True),
    sa.Column('tags', sa.Text(), nullable=True),
    sa.Column('runtime_context', LongText(), nullable=True),
    sa.Column('action_spec', LongText(), nullable=True),
    sa.Column('processed', sa.Boolean(), nullable=True),
    sa.Column('in_context', LongText(), nullable=True),
    sa.Column('published', LongText(), nullable=True),
    sa.Column('workflow_execution_id', sa.String(36),
              sa.ForeignKey('workflow_executions_v2.id', ondelete='CASCADE'),
              nullable=True),
    sa.Column('unique_key', sa.String(255), nullable=True),
    sa.Column('type', sa.String(10), nullable=True),
    sa.Column('workflow_namespace', sa.String(255), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('has_next_tasks', sa.Boolean(), nullable=True),
    sa.Column('error_handled', sa.Boolean(), nullable=True),
    sa.Column('next_tasks', sa.Text(), nullable=True),
    sa.UniqueConstraint('unique_key'),
    *_indexes('task_executions_v2', 'project_id', 'scope', 'state',
              'updated_at', 'workflow_execution_id'),
    sa.Index('task_executions_v2_workflow_execution_id_name',
             'workflow_execution_id', 'name'),
)

workflow_executions_v2.append_constraint(
    sa.ForeignKeyConstraint(
        ['task_execution_id'], ['task_executions_v2.id'],
        ondelete='CASCADE', use_alter=True,
    )
)

action_executions_v2 = sa.Table(
    'action_executions_v2', metadata,
    *_stamps(),
    *_scope(),
    _id(),
    sa.Column('name', sa.String(255), nullable=True),
    sa.Column('description', sa.String(255), nullable=True),
    sa.Column('workflow_name', sa.String(255), nullable=True),
    sa.Column('workflow_id', sa.String(80), nullable=True),
    sa.Column('spec', MediumText(), nullable=True),
    sa.Column('state', sa.String(20), nullable=True),
    sa.Column('state_info', sa.Text(), nullable=True),
    sa.Column('tags', sa.Text(), nullable=True),
    sa.Column('runtime_context', LongText(), nullable=True),
    sa.Column('accepted', sa.Boolean(), nullable=True),
    sa.Column('input', LongText(), nullable=True),
    sa.Column('output', LongText(), nullable=True),
    sa.Column('task_execution_id', sa.String(36),
              sa.ForeignKey('task_executions_v2.id', ondelete='CASCADE'),
              nullable=True),
    sa.Column('workflow_namespace', sa.String(255), nullable=True),
    sa.Column('last_heartbeat', sa.DateTime(), nullable=True),
    sa.Column('is_sync', sa.Boolean(), nullable=True),
    *_indexes('action_executions_v2', 'project_id', 'scope', 'state',
              'task_execution_id', 'updated_at'),
)


# Scheduling.

delayed_calls_v2 = sa.Table(
    'delayed_calls_v2', metadata,
    *_stamps(),
    _id(),
    sa.Column('factory_method_path', sa.String(200), nullable=True),
    sa.Column('target_method_name', sa.String(80), nullable=False),
    sa.Column('method_arguments', sa.Text(), nullable=True),
    sa.Column('serializers', sa.Text(), nullable=True),
    sa.Column('auth_context', MediumText(), nullable=True),
    sa.Column('execution_time', sa.DateTime(), nullable=False),
    sa.Column('processing', sa.Boolean(), nullable=False),
    sa.Column('key', sa.String(250), nullable=True),
    sa.Index('delayed_calls_v2_execution_time', 'execution_time'),
    sa.Index('delayed_calls_v2_processing_execution_time',
             'processing', 'execution_time'),
)

scheduled_jobs_v2 = sa.Table(
    'scheduled_jobs_v2', metadata,
    *_stamps(),
    _id(),
    sa.Column('run_after', sa.Integer(), nullable=True),
    sa.Column('target_factory_func_name', sa.String(200), nullable=True),
    sa.Column('func_name', sa.String(80), nullable=True),
    sa.Column('func_args', sa.Text(), nullable=True),
    sa.Column('func_arg_serializers', sa.Text(), nullable=True),
    sa.Column('auth_ctx', sa.Text(), nullable=True),
    sa.Column('execute_at', sa.DateTime(), nullable=False),
    sa.Column('captured_at', sa.DateTime(), nullable=True),
    sa.Column('key', sa.String(250), nullable=True),
    sa.Index('scheduled_jobs_v2_execute_at_captured_at',
             'execute_at', 'captured_at'),
    sa.Index('scheduled_jobs_v2_key', 'key'),
)

cron_triggers_v2 = sa.Table(
    'cron_triggers_v2', metadata,
    *_stamps(),
    *_scope(),
    _id(),
    sa.Column('name', sa.String(200), nullable=True),
    sa.Column('pattern', sa.String(100), nullable=True),
    sa.Column('next_execution_time', sa.DateTime(), nullable=False),
    sa.Column('workflow_name', sa.String(255), nullable=True),
    sa.Column('remaining_executions', sa.Integer(), nullable=True),
    sa.Column('workflow_id', sa.String(36),
              sa.ForeignKey('workflow_definitions_v2.id'), nullable=True),
    sa.Column('workflow_input', sa.Text(), nullable=True),
    sa.Column('workflow_input_hash', sa.CHAR(64), nullable=True),
    sa.Column('trust_id', sa.String(80), nullable=True),
    sa.Column('workflow_params', sa.Text(), nullable=True),
    sa.Column('workflow_params_hash', sa.CHAR(64), nullable=True),
    sa.Column('first_execution_time', sa.DateTime(), nullable=True),
    sa.UniqueConstraint('name', 'project_id'),
    # PostgreSQL databases migrated by Mistral's own tool carry this
    # constraint twice (revisions 003 and 014 both create it); one is meant.
    sa.UniqueConstraint('workflow_input_hash', 'workflow_name', 'pattern',
                        'project_id', 'workflow_params_hash',
                        'remaining_executions', 'first_execution_time'),
    *_indexes('cron_triggers_v2', 'next_execution_time', 'project_id',
              'scope', 'workflow_name'),
)

event_triggers_v2 = sa.Table(
    'event_triggers_v2', metadata,
    *_stamps(),
    sa.Column('project_id', sa.String(80), nullable=True),
    sa.Column('scope', sa.String(80), nullable=True),
    _id(),
    sa.Column('name', sa.String(200), nullable=True),
    sa.Column('workflow_id', sa.String(36),
              sa.ForeignKey('workflow_definitions_v2.id'), nullable=True),
    sa.Column('exchange', sa.String(80), nullable=False),
    sa.Column('topic', sa.String(80), nullable=False),
    sa.Column('event', sa.String(80), nullable=False),
    sa.Column('workflow_params', sa.Text(), nullable=True),
    sa.Column('workflow_input', sa.Text(), nullable=True),
    sa.Column('trust_id', sa.String(80), nullable=True),
    sa.UniqueConstraint('exchange', 'topic', 'event', 'workflow_id',
                        'project_id'),
    sa.Index('event_triggers_v2_project_id_workflow_id',
             'project_id', 'workflow_id'),
)


# Everything else.

environments_v2 = sa.Table(
    'environments_v2', metadata,
    *_stamps(),
    *_scope(),
    _id(),
    sa.Column('name', sa.String(200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('variables', LongText(), nullable=True),
    sa.UniqueConstraint('name', 'project_id'),
    *_indexes('environments_v2', 'name', 'project_id', 'scope'),
)

resource_members_v2 = sa.Table(
    'resource_members_v2', metadata,
    _id(),
    *_stamps(),
    sa.Column('project_id', sa.String(80), nullable=True),
    sa.Column('member_id', sa.String(80), nullable=False),
    sa.Column('resource_id', sa.String(80), nullable=False),
    sa.Column('resource_type', sa.String(50), nullable=False),
    sa.Column('status', sa.String(20), nullable=False),
    sa.UniqueConstraint('resource_id', 'resource_type', 'member_id'),
)

named_locks = sa.Table(
    'named_locks', metadata,
    *_stamps(),
    _id(),
    sa.Column('name', sa.String(255), nullable=True),
    sa.UniqueConstraint('name'),
)

mistral_metrics = sa.Table(
    'mistral_metrics', metadata,
    *_stamps(),
    sa.Column('id', sa.Integer(), nullable=False, primary_key=True),
    sa.Column('name', sa.String(255), nullable=False),
    sa.Column('value', sa.String(255), nullable=False),
    sa.UniqueConstraint('name'),
)
