"""What ``verify``, ``adopt`` and the check before ``upgrade`` share: the live
schema compared with what the chain gives at a revision (``dbmanage.schema``,
from the per-revision data shipped beside each chain)."""
from __future__ import annotations

import typing

from dbmanage import errors

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result


def drift(ctx: Context, conn, revision: str | None, tables=None):
    """The differences of the database on ``conn`` from ``revision`` (only
    ``tables``, if given); OperationFailed if the revision has no data."""
    from dbmanage import schema
    try:
        return schema.verify(conn, ctx.service.name, revision, tables=tables)
    except schema.NoData as exc:
        raise errors.OperationFailed('cannot compare the database with %s: %s'
                                     % (revision, exc)) from exc


def before_upgrade(ctx: Context, conn, current: list[str], target):
    """Stop an upgrade before its first statement if a table its pending
    revisions change is not as ``current`` says; Drifted names the first
    difference. Costs a look at those tables only."""
    from dbmanage import schema
    from dbmanage.migrate import runner
    try:
        tables = schema.changed(ctx.service.name, ctx.database.dialect.name, current, target)
    except schema.NoData:
        return []
    found = drift(ctx, conn, current, sorted(tables)) if tables else []
    runner.settle(conn)
    if found:
        raise errors.Drifted(
            'upgrade stopped before changing anything: %s%s; the tables the pending revisions '
            'change are not as %s leaves them (verify lists every difference)'
            % (found[0], ' (and %d more)' % (len(found) - 1) if len(found) > 1 else '',
               current))
    return found


def lines(result: Result) -> list[str]:
    """Each difference of a result, one line each."""
    return [d['message'] for d in result.details.get('differences', ())]
