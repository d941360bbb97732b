"""``check_migration``: is the chain one linear history?"""
from __future__ import annotations

import typing

from dbmanage import errors
from dbmanage.commands import reading
from dbmanage.commands import spec

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result


def check_migration(ctx: Context, result: Result) -> None:
    """Succeed only for one linear history; name the branch points otherwise."""
    reading.load_chain(ctx, result)
    if len(result.heads) != 1:
        raise errors.CheckFailed(
            'the chain has %d heads (%s); branch points: %s'
            % (len(result.heads), ', '.join(result.heads),
               ', '.join(result.branches) or 'none'))


def render(result: Result, verbose: bool) -> str:
    return 'OK: one linear history, head %s' % ', '.join(result.heads)


COMMAND = spec.Command('check_migration', 'fail unless the chain is one linear history',
                       check_migration, render=render)
