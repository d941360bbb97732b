"""The rows ``mistral-db-manage populate`` writes, and how to write them.

Mistral's populate does two things, and so does ``populate()`` here:

1. It registers the ad-hoc actions Mistral ships with (only ``std.wait_ssh``
   in 23.0.0) as public actions of the default project in the default
   namespace: a new row if no visible row of that name exists, otherwise the
   visible row is brought back to the shipped values (and ``updated_at`` is
   touched only when something actually differed).
2. It re-syncs the system workflows: every ``is_system`` workflow definition
   visible to the default project is deleted, then the preinstalled
   workflows are registered.  No preinstalled workflow is registered by a
   plain Mistral install, so this step only deletes.

Stored values are byte-for-byte those Mistral stores: the YAML text as
shipped, the spec as Mistral serialises it (``json.dumps`` defaults, keys in
the order below), ``tags`` as ``[]``, the input as a comma-separated list.
Only ``id`` (a random UUID) and ``created_at`` / ``updated_at`` (UTC, whole
seconds) vary between runs.
"""
import datetime
import json
import uuid

import sqlalchemy as sa

# The project every object belongs to when Mistral runs without Keystone
# context, as the populate command does.
DEFAULT_PROJECT_ID = '<default-project>'

WAIT_SSH_DEFINITION = """\
---
version: '2.0'

std.wait_ssh:
    description: Simple SSH command.
    base: std.ssh
    base-input:
      host: <% $.host %>
      username: <% $.username %>
      password: <% $.password %>
      cmd: 'ls -l'
    input:
     - host
     - username
     - password
"""

WAIT_SSH_SPEC = {
    'description': 'Simple SSH command.',
    'base': 'std.ssh',
    'base-input': {
        'host': '<% $.host %>',
        'username': '<% $.username %>',
        'password': '<% $.password %>',
        'cmd': 'ls -l',
    },
    'input': ['host', 'username', 'password'],
    'name': 'std.wait_ssh',
    'version': '2.0',
}

# Ad-hoc actions, with the columns populate owns.  Columns not listed here
# (action_class, attributes, workbook_name, project_id of an existing row)
# are left as they are.
ACTIONS = (
    {
        'name': 'std.wait_ssh',
        'namespace': '',
        'scope': 'public',
        'is_system': False,
        'description': 'Simple SSH command.',
        'tags': [],
        'input': 'host, username, password',
        'definition': WAIT_SSH_DEFINITION,
        'spec': WAIT_SSH_SPEC,
    },
)

# Preinstalled system workflows: (name, YAML definition, spec) triples.
# Mistral finds none unless an extra package registers some.
SYSTEM_WORKFLOWS = ()

# Columns that hold JSON text.
_JSON_COLUMNS = ('tags', 'spec')

_actions = sa.table(
    'action_definitions_v2',
    sa.column('id', sa.String),
    sa.column('created_at', sa.DateTime),
    sa.column('updated_at', sa.DateTime),
    sa.column('scope', sa.String),
    sa.column('project_id', sa.String),
    sa.column('name', sa.String),
    sa.column('namespace', sa.String),
    sa.column('definition', sa.Text),
    sa.column('spec', sa.Text),
    sa.column('tags', sa.Text),
    sa.column('description', sa.Text),
    sa.column('input', sa.Text),
    sa.column('is_system', sa.Boolean),
)

_workflows = sa.table(
    'workflow_definitions_v2',
    sa.column('id', sa.String),
    sa.column('name', sa.String),
    sa.column('scope', sa.String),
    sa.column('project_id', sa.String),
    sa.column('is_system', sa.Boolean),
)

_members = sa.table(
    'resource_members_v2',
    sa.column('resource_id', sa.String),
    sa.column('resource_type', sa.String),
    sa.column('member_id', sa.String),
    sa.column('status', sa.String),
)


class PopulateError(Exception):
    """The database holds a row populate must not overwrite."""


def _now():
    """UTC now without microseconds, as a naive datetime."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.replace(microsecond=0, tzinfo=None)


def _stored(action):
    """The action's values as they go into the table."""
    values = dict(action)
    for col in _JSON_COLUMNS:
        values[col] = json.dumps(action[col])
    return values


def _same(column, wanted, found):
    """Whether a stored value already equals the wanted one.

    JSON columns compare by content, as Mistral compares the decoded values.
    """
    if column in _JSON_COLUMNS:
        try:
            return found is not None and json.loads(found) == wanted
        except ValueError:
            return False
    if column == 'is_system':
        return found is not None and bool(found) is wanted
    return found == wanted


def _visible(table):
    """Rows the default project sees: its own and every public one."""
    return sa.or_(table.c.project_id == DEFAULT_PROJECT_ID,
                  table.c.scope == 'public')


def _sync_action(connection, action, report):
    owned = [key for key in action if key != 'name']
    row = connection.execute(
        sa.select(_actions.c.id, *[_actions.c[key] for key in owned])
        .where(_actions.c.name == action['name'],
               _actions.c.namespace == action['namespace'],
               _visible(_actions))
        .order_by(_actions.c.created_at, _actions.c.id)
        .limit(1)
    ).mappings().first()

    if row is None:
        values = _stored(action)
        values.update(id=str(uuid.uuid4()),
                      project_id=DEFAULT_PROJECT_ID,
                      created_at=_now())
        connection.execute(_actions.insert().values(**values))
        report['inserted'].append(action['name'])
        return

    if row['is_system']:
        raise PopulateError(
            'action %s is a system action; populate will not modify it'
            % action['name'])

    if all(_same(key, action[key], row[key]) for key in owned):
        report['unchanged'].append(action['name'])
        return

    values = _stored(action)
    values['updated_at'] = _now()
    connection.execute(
        _actions.update().where(_actions.c.id == row['id']).values(**values))
    report['updated'].append(action['name'])


def _sync_system_workflows(connection, report):
    shared = (
        sa.select(_members.c.resource_id)
        .where(_members.c.resource_type == 'workflow',
               _members.c.status == 'accepted',
               _members.c.member_id == DEFAULT_PROJECT_ID)
    )
    condition = sa.and_(
        _workflows.c.is_system == sa.true(),
        sa.or_(_visible(_workflows), _workflows.c.id.in_(shared)),
    )
    rows = connection.execute(
        sa.select(_workflows.c.id, _workflows.c.name)
        .where(condition)
        .order_by(_workflows.c.name, _workflows.c.id)
    ).all()
    if rows:
        connection.execute(
            _workflows.delete().where(
                _workflows.c.id.in_([r.id for r in rows])))
    report['deleted'].extend(r.name for r in rows)


def populate_actions(connection):
    """Register the shipped ad-hoc actions (``populate_actions``, the first
    part of ``populate``); the caller commits. Returns the action names by
    outcome: ``inserted``, ``updated`` and ``unchanged``."""
    report = {'inserted': [], 'updated': [], 'unchanged': []}
    for action in ACTIONS:
        _sync_action(connection, action, report)
    return report


def populate(connection):
    """Write populate's rows through ``connection``; the caller commits.

    Returns the names touched, by outcome: ``inserted``, ``updated`` and
    ``unchanged`` actions, and ``deleted`` system workflows.
    """
    if SYSTEM_WORKFLOWS:
        raise NotImplementedError(
            'registering preinstalled workflows is not supported')
    report = dict(populate_actions(connection), deleted=[])
    _sync_system_workflows(connection, report)
    return report
