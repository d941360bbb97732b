"""``revision``: write a new revision file (on the client's side: the
revision files are the ones this node runs)."""
from __future__ import annotations

import typing

from dbmanage import errors
from dbmanage.commands import spec
from dbmanage.result import Result

if typing.TYPE_CHECKING:
    from dbmanage.services import Service


def revision(api, service: Service, message: str | None = None, autogenerate: bool = False,
             rev_id: str | None = None, sql: bool = False):
    from dbmanage.migrate import runner
    if sql and autogenerate:
        # As Alembic says: --sql writes the file without the database.
        raise errors.UsageError('--sql with --autogenerate makes no sense: it compares '
                                'with the database')
    upgrades, differences = None, None
    if autogenerate:
        found = api.compare()
        if not found.ok:
            return found
        upgrades = found.details['upgrade_code']
        differences = found.details['differences']
    path = runner.write_revision(service, message, rev_id=rev_id, upgrades=upgrades)
    return Result(service=service.name, command='revision',
                  details={'path': path, 'differences': differences})


def render(result: Result, verbose: bool) -> str:
    differences = result.details['differences']
    if differences is None:
        return 'Generated %s' % result.details['path']
    return 'Generated %s (%d difference(s) from the database)' % (
        result.details['path'], len(differences))


COMMAND = spec.Command(
    'revision', 'write a new revision', revision, remote=False, render=render,
    args=(spec.Arg('message', flags=('-m', '--message'), required=True),
          spec.Arg('autogenerate', bool, False, flags=('--autogenerate',),
                   help='fill it with the differences between the head models and '
                        'the database'),
          spec.Arg('rev_id', flags=('--rev-id',)),
          spec.Arg('sql', bool, False, flags=('--sql',),
                   help='write it without reading the database (as without '
                        '--autogenerate)')))
