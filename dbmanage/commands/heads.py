"""``heads``: the head revision(s) of the chain."""
from __future__ import annotations

import typing

from dbmanage.commands import reading
from dbmanage.commands import spec
from dbmanage.commands import text

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result


def heads(ctx: Context, result: Result) -> None:
    """The head revision(s) of the chain."""
    reading.load_chain(ctx, result)


def render(result: Result, verbose: bool) -> str:
    return '\n'.join(text.label(h, result.heads) for h in result.heads)


COMMAND = spec.Command('heads', 'head revision(s) of the chain', heads, render=render)
