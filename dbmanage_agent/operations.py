"""One plain function per command: the core every path ends in.

The CLI (in-process) and the agent's RPC endpoint both call ``execute``, so a
command behaves the same wherever it runs and always answers with a Result.
Commands that write (upgrade, stamp, populate) hold the per-database
migration lock for their whole run and read the revision again once they
have it, so concurrent runs apply each revision once.
"""
import contextlib
import dataclasses
import inspect
import logging
import os
import time
import uuid

from dbmanage_agent import dburl
from dbmanage_agent import errors
from dbmanage_agent import lock
from dbmanage_agent import masking
from dbmanage_agent import retry
from dbmanage_agent import runner
from dbmanage_agent.result import Result

LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class Context:
    """Where and how a command runs; built once per process."""
    service: object
    url: str
    embedded: bool = False
    host: str = ''
    lock_timeout: float = 300.0
    connect_timeout: float = 10.0
    retry_attempts: int = 4
    #: ``emit(event_type, payload)`` receives start/revision/end/error events.
    emit: object = None
    announced: bool = False
    _engine: object = None

    def engine(self):
        if self._engine is None:
            self._engine = dburl.create_engine(self.url, self.connect_timeout)
            retry.classify_errors(self._engine)
        return self._engine

    def event(self, name, result, **extra):
        if self.emit:
            payload = {'service': result.service, 'host': result.host,
                       'request_id': result.request_id}
            payload.update(extra)
            self.emit('db_manage.' + name, payload)


def _one_line(exc):
    text = str(getattr(exc, 'inner_exception', None) or exc).strip()
    return masking.scrub(text.splitlines()[0] if text else type(exc).__name__)


@contextlib.contextmanager
def _connection(ctx):
    if ctx.embedded and not ctx.announced:
        ctx.announced = True
        LOG.warning('using the embedded database %s (no [database] '
                    'connection configured)', ctx.url)
    engine = ctx.engine()
    try:
        conn = engine.connect()
    except Exception as exc:
        # Not retried: a server that refuses connections is a configuration
        # problem to report at once, not a blip inside a running migration.
        raise errors.OperationFailed('cannot connect to the database %s: %s'
                                     % (dburl.masked(ctx.url), _one_line(exc))) from exc
    try:
        yield conn
    finally:
        with contextlib.suppress(Exception):
            conn.close()


@contextlib.contextmanager
def _locked(ctx, result):
    """A connection that holds the migration lock for as long as it is open."""
    with _connection(ctx) as conn:
        with lock.held(conn, ctx.service.lock_name, ctx.lock_timeout) as waited:
            result.lock_wait = round(waited, 4)
            yield conn


def _fill_chain(ctx, result):
    result.heads, result.branches = map(list, runner.chain_summary(ctx.service))
    return runner.script_directory(ctx.service)


def _entry(rev, current=()):
    return {
        'revision': rev.revision,
        'down_revision': rev.down_revision,
        'description': runner.describe(rev),
        'is_head': rev.is_head,
        'is_branch_point': rev.is_branch_point,
        'is_current': rev.revision in current,
        'path': os.path.basename(rev.path),
    }


def current(ctx, result, verbose=False):
    """The revision the database is at."""
    script = _fill_chain(ctx, result)
    with _connection(ctx) as conn:
        result.revision_before = result.revision_after = runner.current_heads(conn)
    if verbose:
        result.history = [_entry(runner.get_revision(script, rev),
                                 result.revision_after)
                          for rev in result.revision_after
                          if rev in {r.revision for r in script.walk_revisions()}]


def _peek_current(ctx):
    """The database's revision for marking history, or () if unreachable."""
    if ctx.embedded and not os.path.exists(dburl.parse(ctx.url).database or ''):
        return ()
    try:
        with _connection(ctx) as conn:
            return runner.current_heads(conn)
    except Exception as exc:
        LOG.debug('history without the current revision: %s', _one_line(exc))
        return ()


def history(ctx, result, rev_range=None, verbose=False):
    """The chain, newest first, optionally limited to ``A:B``."""
    script = _fill_chain(ctx, result)
    lower, upper = 'base', 'heads'
    if rev_range:
        if ':' not in rev_range:
            raise errors.UsageError('history range must look like A:B, A: or :B')
        lower, upper = (part or default for part, default in
                        zip(rev_range.split(':', 1), ('base', 'heads')))
        for rev in (lower, upper):
            if rev not in ('base', 'heads', 'head'):
                runner.get_revision(script, rev)
    result.revision_before = result.revision_after = _peek_current(ctx)
    revs = script.iterate_revisions(upper, lower, inclusive=True) \
        if lower != 'base' else script.iterate_revisions(upper, lower)
    result.history = [_entry(r, result.revision_after) for r in revs]


def heads(ctx, result):
    """The head revision(s) of the chain."""
    _fill_chain(ctx, result)


def branches(ctx, result):
    """The branch points of the chain (none for a linear history)."""
    _fill_chain(ctx, result)


def check_migration(ctx, result):
    """Succeed only for one linear history; name the branch points otherwise."""
    _fill_chain(ctx, result)
    if len(result.heads) != 1:
        raise errors.CheckFailed(
            'the chain has %d heads (%s); branch points: %s'
            % (len(result.heads), ', '.join(result.heads),
               ', '.join(result.branches) or 'none'))


def _target(revision, delta):
    if revision and delta:
        raise errors.UsageError('give a revision or --delta, not both')
    if delta is not None:
        if int(delta) < 1:
            raise errors.UsageError('--delta must be 1 or more')
        return '+%d' % int(delta)
    if not revision:
        raise errors.UsageError('upgrade needs a revision (head, +N, an id) '
                                'or --delta N')
    return revision


def upgrade(ctx, result, revision=None, delta=None, sql=False):
    """Bring the database up to ``revision`` (or ``--delta`` steps)."""
    target = _target(revision, delta)
    script = _fill_chain(ctx, result)
    if sql:
        result.sql = _offline(ctx, script, 'upgrade', target)
        return
    ctx.event('upgrade.start', result, target=target)
    retry.call(lambda: _upgrade_once(ctx, result, script, target),
               ctx.retry_attempts)


def _upgrade_once(ctx, result, script, target):
    with _locked(ctx, result) as conn:
        before = runner.current_heads(conn)
        if not result.applied:
            result.revision_before = before
        plan = runner.plan_upgrade(script, before, target)
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

        runner.upgrade(conn, ctx.service, plan[-1].revision if plan else None,
                       on_applied=applied)
        result.revision_after = runner.current_heads(conn)


def _offline(ctx, script, command, target):
    if ':' in target:
        start, end = target.split(':', 1)
        for rev in (start, end):
            if rev not in ('base', 'head', 'heads'):
                runner.get_revision(script, rev)
    elif target.startswith('+'):
        raise errors.UsageError('relative revisions need a database; with '
                                '--sql give START:END')
    elif target not in ('head', 'heads'):
        runner.get_revision(script, target)
    name = dburl.dialect_name(ctx.url)
    return runner.offline_sql(ctx.service, '%s://' % name, command, target)


def stamp(ctx, result, revision=None, sql=False):
    """Record ``revision`` as the database's revision without running it."""
    if not revision:
        raise errors.UsageError('stamp needs a revision (an id or head)')
    script = _fill_chain(ctx, result)
    if sql:
        result.sql = _offline(ctx, script, 'stamp', revision)
        return
    if revision not in ('head', 'heads', 'base'):
        runner.get_revision(script, revision)

    def once():
        with _locked(ctx, result) as conn:
            result.revision_before = runner.current_heads(conn)
            runner.stamp(conn, ctx.service, revision)
            result.revision_after = runner.current_heads(conn)
    retry.call(once, ctx.retry_attempts)


def populate(ctx, result):
    """Restore the service's standard rows; a second run changes nothing."""
    _fill_chain(ctx, result)

    def once():
        with _locked(ctx, result) as conn:
            result.revision_before = result.revision_after = \
                runner.current_heads(conn)
            if result.revision_after != result.heads:
                raise errors.OperationFailed(
                    'the database is at %s, not at head %s: run upgrade head '
                    'first' % (', '.join(result.revision_after) or 'base',
                               ', '.join(result.heads)))
            with conn.begin():
                result.details['populate'] = ctx.service.populate(conn)
    retry.call(once, ctx.retry_attempts)


def compare(ctx, result):
    """The differences between the head models and the live database."""
    _fill_chain(ctx, result)
    with _connection(ctx) as conn:
        result.revision_before = result.revision_after = runner.current_heads(conn)
        diffs, code = runner.compare(conn, ctx.service.metadata())
    result.details.update(differences=diffs, upgrade_code=code)


def downgrade(ctx, result, **ignored):
    """Refused: a failed upgrade is undone by restoring a backup."""
    raise errors.UsageError('downgrade is not supported: restore the database '
                            'from the backup taken before the upgrade')


COMMANDS = {f.__name__: f for f in (current, history, heads, branches,
                                    check_migration, upgrade, stamp, populate,
                                    compare, downgrade)}
#: Commands that change the database (and take the migration lock).
WRITES = {'upgrade', 'stamp', 'populate'}


def execute(ctx, command, args=None, request_id=None):
    """Run ``command`` with ``args``; always return a Result, never raise."""
    result = Result(service=ctx.service.name, command=command,
                    database=dburl.masked(ctx.url), host=ctx.host,
                    request_id=request_id or 'req-%s' % uuid.uuid4())
    started = time.monotonic()
    try:
        fn = COMMANDS.get(command)
        if fn is None:
            raise errors.UsageError('unknown command %r' % command)
        try:
            inspect.signature(fn).bind(ctx, result, **(args or {}))
        except TypeError as exc:
            raise errors.UsageError('%s: %s' % (command, exc))
        fn(ctx, result, **(args or {}))
    except errors.DbManageError as exc:
        LOG.debug('%s failed', command, exc_info=exc.__cause__ is not None)
        result.exit_code, result.error = exc.exit_code, masking.scrub(exc.message)
    except Exception as exc:
        LOG.debug('%s failed', command, exc_info=True)
        result.exit_code = errors.FAILED
        result.error = '%s failed: %s' % (command, _one_line(exc))
    result.duration = round(time.monotonic() - started, 4)
    if command in WRITES and not (args or {}).get('sql'):
        _finished(ctx, result)
    return result


def _finished(ctx, result):
    if result.ok:
        ctx.event(result.command + '.end', result,
                  revision_before=result.revision_before,
                  revision_after=result.revision_after, heads=result.heads,
                  applied=[a.revision for a in result.applied],
                  duration=result.duration)
    else:
        ctx.event(result.command + '.error', result, error=result.error,
                  exit_code=result.exit_code,
                  revision_before=result.revision_before,
                  applied=[a.revision for a in result.applied])
