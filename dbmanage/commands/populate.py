"""``populate``: restore the service's standard rows."""
from __future__ import annotations

import typing

from dbmanage import errors
from dbmanage.commands import spec
from dbmanage.commands import writing

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result


def write_rows(ctx: Context, result: Result, step):
    """Run the service's populate step ``step`` (a function of its populate
    module) at head, under the migration lock; a second run changes nothing."""
    from dbmanage.migrate import runner
    writing.load_chain(ctx, result)

    def once():
        with writing.locked(ctx, result) as (conn, _, hold):
            result.revision_before = result.revision_after = runner.current_heads(conn)
            if result.revision_after != result.heads:
                raise errors.OperationFailed(
                    'the database is at %s, not at head %s: run upgrade head '
                    'first' % (', '.join(result.revision_after) or 'base',
                               ', '.join(result.heads)))
            with conn.begin():
                result.details['populate'] = ctx.service.populate_step(step)(conn)
                # The rows commit with the fence's own write where it has one.
                hold.verify('committing the standard rows')
    writing.retried(ctx, once)


def populate(ctx: Context, result: Result) -> None:
    """Restore the service's standard rows; a second run changes nothing."""
    write_rows(ctx, result, 'populate')


def _count(value):
    if isinstance(value, dict):
        return sum(v if isinstance(v, int) else len(v) for v in value.values())
    if isinstance(value, (list, tuple, set)):
        return len(value)
    return value


def render(result: Result, verbose: bool) -> str:
    summary = result.details.get('populate') or {}
    return 'Populated: %s' % ', '.join('%s %s' % (key, _count(value))
                                       for key, value in summary.items())


COMMAND = spec.Command('populate', 'restore the standard rows', populate, writes=True,
                       render=render)
