"""``branches``: the branch points of the chain."""
from __future__ import annotations

import typing

from dbmanage.commands import reading
from dbmanage.commands import spec

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result


def branches(ctx: Context, result: Result) -> None:
    """The branch points of the chain (none for a linear history)."""
    reading.load_chain(ctx, result)


def render(result: Result, verbose: bool) -> str:
    return '\n'.join('%s (branchpoint)' % b for b in result.branches)


COMMAND = spec.Command('branches', 'branch points of the chain', branches, render=render)
