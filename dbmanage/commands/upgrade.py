"""``upgrade``: apply revisions, under the migration lock.

An empty database upgraded to head takes the baseline (``migrate.baseline``)
in one step where one is stored for its dialect; anything else replays the
chain with Alembic. Whether the baseline applies is decided from the chain's
text, so a fresh install loads neither Alembic nor SQLAlchemy.
"""
from __future__ import annotations

import typing

from dbmanage import errors
from dbmanage.commands import checking
from dbmanage.commands import spec
from dbmanage.commands import text
from dbmanage.commands import writing
from dbmanage.db import database

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result


def _target(revision, delta):
    if revision and delta:
        raise errors.UsageError('give a revision or --delta, not both')
    if delta is not None:
        return '+%d' % delta
    if not revision:
        raise errors.UsageError('upgrade needs a revision (head, +N, an id) '
                                'or --delta N')
    return revision


def upgrade(ctx: Context, result: Result, revision: str | None = None, delta: int | None = None,
            sql: bool = False, online: bool = False) -> None:
    """Bring the database up to ``revision`` (or ``--delta`` steps)."""
    from dbmanage.migrate import baseline
    target = _target(revision, delta)
    if sql and online:
        raise errors.UsageError('--online changes how statements run, not which: '
                                'leave it out with --sql')
    fresh = None
    if not sql and ctx.fresh_install == 'baseline':
        fresh = baseline.candidate(ctx.service, ctx.database.url, target)
    if fresh is None:
        script = writing.load_chain(ctx, result)
    else:
        script, result.heads, result.branches = None, fresh.heads, []
    if sql:
        result.sql = writing.offline_sql(ctx, script, 'upgrade', target)
        return
    ctx.event('upgrade.start', result, target=target)
    try:
        writing.retried(ctx, lambda: _once(ctx, result, script, target, fresh, online))
    except Exception:
        if 'planned' in result.details:
            _left_at(ctx, result)
        raise


def _left_at(ctx, result):
    """After a run that got as far as its plan failed: where it left the
    database, read again. Best effort: the run's own error is what it
    reports, and a revision that cannot be read is said in the details."""
    try:
        result.revision_after = ctx.database.heads()
    except Exception as exc:
        result.details['revision_after_unknown'] = 'the revision could not be read ' \
            'again: %s' % database.one_line(exc)


def _once(ctx, result, script, target, fresh=None, online=False):
    from dbmanage.chain import scripts
    from dbmanage.migrate import baseline
    from dbmanage.migrate import runner
    if fresh is not None and _install_fresh(ctx, result, fresh):
        return
    with writing.locked(ctx, result) as (conn, link, hold):
        baseline.recover(link, ctx.service)
        script = script or writing.load_chain(ctx, result)   # no baseline after all
        before = runner.current_heads(conn)
        plan = scripts.pending(script, before, target)
        if before and plan and ctx.preflight and not _resuming(ctx, conn):
            checking.before_upgrade(ctx, conn, before[0], plan[-1].revision)
        applied = _reporter(ctx, result, before, plan)
        if not before and plan:
            result.details['fresh_install'] = 'chain'
        # Also with nothing planned: a journal left by a finished run goes.
        runner.upgrade(conn, ctx.service, plan[-1].revision if plan else None,
                       on_applied=applied, before_revision=hold.check,
                       before_statement=hold.fence,
                       online=_online(ctx, result, conn, online) if plan else None)
        result.revision_after = runner.current_heads(conn)


def _online(ctx, result, conn, forced):
    """The run's ``migrate.online.Online``; its chunked work is reported as
    ``upgrade.progress`` events and kept in the result's details."""
    import dataclasses

    from dbmanage.migrate import online
    settings = ctx.online
    if forced:
        settings = dataclasses.replace(settings, mode='always')
    if settings.mode == 'never':
        return None
    dialect = ctx.database.dialect
    result.details['online'] = {'mode': settings.mode, 'tables': []}
    if dialect.online.NOTE:
        result.details['online']['note'] = dialect.online.NOTE

    def report(progress, final):
        if final:
            result.details['online']['tables'].append(progress)
        ctx.event('upgrade.progress', result, final=final, **progress)
    return online.Online(conn, dialect, settings, report)


def _resuming(ctx, conn):
    """Did a run stop inside a revision (which its journal resumes)? Its
    tables are then between two revisions, and resuming checks them."""
    from dbmanage.migrate import journal
    from dbmanage.migrate import runner
    found = journal.read(conn)
    runner.settle(conn)
    return found is not None


def _install_fresh(ctx, result, fresh):
    """Install the baseline if the database is empty; False if it is not.

    Runs on a connection the driver opens by itself where it can, so a
    fresh install loads neither SQLAlchemy nor Alembic.
    """
    from dbmanage.migrate import baseline
    with ctx.database.linked() as link:
        # Looked at before the lock, so a database in use goes to the
        # chain at once; looked at again under it.
        if not fresh.applies(link):
            return False
        with writing.holding(ctx, link, result) as hold:
            baseline.recover(link, ctx.service)
            if not fresh.applies(link):
                return False
            applied = _reporter(ctx, result, [], fresh.plan)
            result.details['fresh_install'] = 'baseline'
            result.revision_after = fresh.install(link, applied, hold.fence)
            return True


def _reporter(ctx, result, before, plan):
    """Record what the run plans; the callback that reports each revision
    applied."""
    if not result.applied:
        result.revision_before = before
    result.details['planned'] = [r.revision for r in plan]
    remaining = [r.revision for r in plan]

    def applied(step):
        result.applied.append(step)
        remaining.remove(step.revision)
        if step.resumed:
            result.resumed = {'revision': step.revision, 'skipped': step.resumed}
        ctx.event('upgrade.revision', result, revision=step.revision,
                  down_revision=step.down_revision,
                  description=step.description, duration=step.duration,
                  remaining=len(remaining), resumed=step.resumed)
    return applied


def render(result: Result, verbose: bool) -> str:
    if result.sql is not None:
        return result.sql.rstrip('\n')
    heads = result.heads
    if result.details.get('fresh_install') == 'baseline':
        lines = ['Created the schema of %s in one step from the baseline (%d revisions, '
                 '%.2f s)' % (text.revisions(result.revision_after, heads),
                              len(result.applied), result.duration)]
    else:
        lines = ['Running upgrade %s -> %s, %s (%.2f s)%s'
                 % (a.down_revision or '', a.revision, a.description, a.duration,
                    '; resumed: %d statement(s) were already done' % len(a.resumed)
                    if a.resumed else '')
                 for a in result.applied]
    if not result.applied:
        lines.append('Already at %s; nothing to upgrade' % text.revisions(result.revision_after,
                                                                          heads))
    else:
        lines.append('Database is at %s' % text.revisions(result.revision_after, heads))
    return '\n'.join(lines)


COMMAND = spec.Command('upgrade', 'upgrade the database', upgrade, writes=True,
                       args=spec.revision_args(relative=True) + (
                           spec.Arg('online', bool, False, flags=('--online',),
                                    help='upgrade every table online, whatever its size '
                                         '([db_manage] online = always for this run)'),),
                       render=render)
