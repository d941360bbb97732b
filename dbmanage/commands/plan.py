"""``plan``: what upgrading would do to this database, before it runs."""
from __future__ import annotations

import typing

from dbmanage import errors
from dbmanage.commands import spec
from dbmanage.commands import writing

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result


def plan(ctx: Context, result: Result, revision: str | None = 'head', rehearse: bool = False,
         sample_rows: int | None = None) -> None:
    """The pending revisions' operations and what each costs on this server.

    Exit code PLAN_BLOCKS when pending work blocks writes on a non-empty
    table or breaks running code.
    """
    from dbmanage.chain import scripts
    from dbmanage.migrate import runner
    from dbmanage.plan import build
    script = writing.load_chain(ctx, result)
    with ctx.database.connected() as conn:
        result.revision_before = result.revision_after = runner.current_heads(conn)
        pending = scripts.pending(script, result.revision_before, revision or 'head')
        result.details['plan'] = found = build.build(
            conn, ctx.service, result.revision_before, pending, online=ctx.online)
    if rehearse and pending:
        from dbmanage.plan import rehearse as rehearsal
        found['rehearsal'] = rehearsal.run(ctx.database, ctx.service, result.revision_before,
                                           pending, plan=found,
                                           sample_rows=sample_rows or rehearsal.SAMPLE_ROWS)
    if found['blocking'] or found['breaking'] or found['failures']:
        result.exit_code = errors.PLAN_BLOCKS


def render(result: Result, verbose: bool) -> str:
    from dbmanage.plan import text
    return text.render(result.details['plan'])


COMMAND = spec.Command(
    'plan', 'what an upgrade would do to this database (exit 8 if it blocks writes '
    'or breaks running code)', plan, version='1.2', render=render,
    args=(spec.Arg('revision', default='head', pattern=spec.REVISION,
                   help='target: head (default) or an id'),
          spec.Arg('rehearse', bool, False, flags=('--rehearse',),
                   help='also run it on a sampled copy and time it'),
          spec.Arg('sample_rows', int, flags=('--sample-rows',), minimum=1,
                   help='rows copied per table for --rehearse (default 10000)')))
