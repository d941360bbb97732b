"""``break_lock``: free the migration lock of a stuck or dead run."""
from __future__ import annotations

import typing

import logging

from dbmanage import errors
from dbmanage.commands import spec
from dbmanage.commands import text

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result

LOG = logging.getLogger(__name__)


def break_lock(ctx: Context, result: Result, confirm: bool = False) -> None:
    """Free the migration lock of a run that is stuck or gone."""
    from dbmanage import locks
    settings = ctx.lock_settings()
    with ctx.database.linked() as link:
        result.lock = locks.holder(settings, link)
        if result.lock is None:
            return
        if not confirm:
            raise errors.UsageError('the migration lock is held by %s; add '
                                    '--confirm to break it' % text.holder(result.lock))
        LOG.warning('breaking the migration lock held by %s', text.holder(result.lock))
        locks.break_(settings, link, result.lock)


def render(result: Result, verbose: bool) -> str:
    return ('Broke the migration lock held by %s' % text.holder(result.lock)
            if result.lock else 'No migration lock is held')


COMMAND = spec.Command(
    'break_lock', 'free the migration lock of a stuck or dead run', break_lock,
    version='1.1', render=render,
    args=(spec.Arg('confirm', bool, False, flags=('--confirm',),
                   help='break it (without --confirm, only name the holder)'),))
