"""What the commands that write share: the migration lock around the
connection that writes, the chain they write from, and the retry policy.

A writing command holds the per-database migration lock for its whole run
and reads the revision again once it has it, so concurrent runs apply each
revision once.
"""
from __future__ import annotations

import typing

import contextlib

from dbmanage import chain
from dbmanage import errors
from dbmanage import locks
from dbmanage.db import link as links

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.db.link import Link
    from dbmanage.result import Result


@contextlib.contextmanager
def holding(ctx: Context, link: Link, result: Result):
    """The migration lock held on ``link`` for the block; yields its hold."""
    with locks.held(ctx.lock_settings(), link, result.request_id) as hold:
        result.lock_wait = round(hold.waited, 4)
        try:
            yield hold
        except errors.DbManageError:
            raise
        except Exception as exc:
            # Another run that took the lock over explains this failure
            # better than the failure itself.
            try:
                hold.confirm(result.command)
            except errors.LockLost as lost:
                raise lost from exc
            raise


@contextlib.contextmanager
def locked(ctx: Context, result: Result):
    """An SQLAlchemy connection that holds the migration lock for as long as
    it is open; yields (connection, link, hold)."""
    with ctx.database.connected() as conn:
        link = links.Link.of(conn)
        with ctx.database.classified(conn.dialect.loaded_dbapi.Error):
            with holding(ctx, link, result) as hold:
                yield conn, link, hold


def load_chain(ctx: Context, result: Result):
    """The chain as Alembic reads it, its heads and branches in ``result``."""
    result.heads, result.branches = map(list, chain.summary(ctx.service))
    return chain.script(ctx.service)


def retried(ctx: Context, once):
    """``once()``, run again on a transient database error (the one policy)."""
    from dbmanage.db import retry
    return retry.call(once, ctx.retry_attempts)


def offline_sql(ctx: Context, script, command, target):
    """The SQL ``command`` (upgrade, stamp) would run to ``target``, for the
    configured URL's dialect."""
    from dbmanage.chain import scripts
    from dbmanage.migrate import runner
    if ':' in target:
        start, end = target.split(':', 1)
        for rev in (start, end):
            if rev not in ('base', 'head', 'heads'):
                scripts.get_revision(script, rev)
    elif target.startswith('+'):
        raise errors.UsageError('relative revisions need a database; with '
                                '--sql give START:END')
    elif target not in ('head', 'heads'):
        scripts.get_revision(script, target)
    return runner.offline_sql(ctx.service, '%s://' % ctx.database.dialect.name, command,
                              target)
