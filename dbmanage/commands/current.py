"""``current``: the revision the database is at."""
from __future__ import annotations

import typing

import logging

from dbmanage.commands import reading
from dbmanage.commands import spec
from dbmanage.commands import text

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result

LOG = logging.getLogger(__name__)


def current(ctx: Context, result: Result, verbose: bool = False) -> None:
    """The revision the database is at; with ``verbose``, who migrates it now."""
    found = reading.load_chain(ctx, result)
    result.revision_before = result.revision_after = ctx.database.heads()
    if verbose:
        result.history = [reading.entry(found.by_id[rev], result.revision_after)
                          for rev in result.revision_after if rev in found.by_id]
        result.lock = _holder(ctx)


def _holder(ctx):
    """Who holds the migration lock, or None; asked only for details, so a
    plain ``current`` never talks to a coordinator."""
    from dbmanage import locks
    from dbmanage.db import database
    try:
        with ctx.database.linked() as link:
            return locks.holder(ctx.lock_settings(), link)
    except Exception as exc:
        # The revision is the answer; who migrates is a bonus.
        LOG.warning('cannot tell whether a migration is running: %s',
                    database.one_line(exc))
        return None


def render(result: Result, verbose: bool) -> str:
    if not verbose:
        return '\n'.join(text.label(r, result.heads) for r in result.revision_after)
    lines = ['Current revision(s) for %s:' % result.database]
    lines += [text.verbose_entry(e) for e in result.history]
    lines.append('Migration running: %s' % text.holder(result.lock) if result.lock
                 else 'No migration running')
    return '\n'.join(lines)


COMMAND = spec.Command(
    'current', 'revision of the database', current, render=render,
    args=(spec.Arg('verbose', bool, False, flags=('--verbose',), with_json=True,
                   help='also the revision file, and who migrates the database now'),))
