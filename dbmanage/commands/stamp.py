"""``stamp``: record a revision without running migrations."""
from __future__ import annotations

import typing

from dbmanage import errors
from dbmanage.commands import spec
from dbmanage.commands import text
from dbmanage.commands import writing

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result


def stamp(ctx: Context, result: Result, revision: str | None = None, sql: bool = False) -> None:
    """Record ``revision`` as the database's revision without running it."""
    from dbmanage.chain import scripts
    from dbmanage.migrate import runner
    if not revision:
        raise errors.UsageError('stamp needs a revision (an id or head)')
    script = writing.load_chain(ctx, result)
    if sql:
        result.sql = writing.offline_sql(ctx, script, 'stamp', revision)
        return
    if revision not in ('head', 'heads', 'base'):
        scripts.get_revision(script, revision)

    def once():
        with writing.locked(ctx, result) as (conn, _, hold):
            result.revision_before = runner.current_heads(conn)
            hold.verify('stamping %s' % revision)
            runner.stamp(conn, ctx.service, revision)
            result.revision_after = runner.current_heads(conn)
    writing.retried(ctx, once)


def render(result: Result, verbose: bool) -> str:
    if result.sql is not None:
        return result.sql.rstrip('\n')
    return 'Stamped %s (was %s)' % (text.revisions(result.revision_after, result.heads),
                                    text.revisions(result.revision_before, result.heads))


COMMAND = spec.Command('stamp', 'record a revision without running migrations', stamp,
                       writes=True, args=spec.revision_args(), render=render)
