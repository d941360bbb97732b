"""``compare``: the differences between the head models and the live
database (what ``revision --autogenerate`` writes)."""
from __future__ import annotations

import typing

from dbmanage.commands import spec
from dbmanage.commands import writing

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result


def compare(ctx: Context, result: Result) -> None:
    """The differences between the head models and the live database."""
    from dbmanage.migrate import runner
    writing.load_chain(ctx, result)
    with ctx.database.connected() as conn:
        result.revision_before = result.revision_after = runner.current_heads(conn)
        diffs, code = runner.compare(conn, ctx.service.metadata())
    result.details.update(differences=diffs, upgrade_code=code)


COMMAND = spec.Command('compare', 'differences between the head models and the database',
                       compare, cli=False)
