"""One plain function per command: the core every path ends in.

The CLI (in-process) and the agent's RPC endpoint both call ``execute``, so a
command behaves the same wherever it runs and always answers with a Result.
Commands that write (upgrade, stamp, populate) hold the per-database
migration lock for their whole run and read the revision again once they
have it, so concurrent runs apply each revision once.
"""
import contextlib
import dataclasses
import functools
import inspect
import logging
import time
import uuid

from dbmanage.db import urls
from dbmanage.db import driver
from dbmanage import errors
from dbmanage import locks
from dbmanage import lazy
from dbmanage import masking
from dbmanage.commands.readonly import (branches, check_migration, current,  # noqa: F401
                                     heads, history)
from dbmanage.result import Result

# Read-only commands need none of these (nor SQLAlchemy and Alembic behind them).
baseline = lazy.module('dbmanage.migrate.baseline')
retry = lazy.module('dbmanage.db.retry')
runner = lazy.module('dbmanage.migrate.runner')

LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class Context:
    """Where and how a command runs; built once per process."""
    service: object
    url: str
    embedded: bool = False
    host: str = ''
    lock_timeout: float = 300.0
    lock_lease: float = 30.0
    coordination_url: str | None = None
    connect_timeout: float = 10.0
    retry_attempts: int = 4
    fresh_install: str = 'baseline'   # or 'chain': see baseline.py
    #: ``emit(event_type, payload)`` receives start/revision/end/error events.
    emit: object = None
    announced: bool = False
    _engine: object = None
    _versions: object = None   # version_table.Reader, kept for the next read

    def engine(self):
        if self._engine is None:
            self._engine = urls.create_engine(self.url, self.connect_timeout)
            retry.classify_errors(self._engine)
        return self._engine

    def event(self, name, result, **extra):
        if self.emit:
            payload = {'service': result.service, 'host': result.host,
                       'request_id': result.request_id}
            payload.update(extra)
            self.emit('db_manage.' + name, payload)


def one_line(exc):
    text = str(getattr(exc, 'inner_exception', None) or exc).strip()
    return masking.scrub(text.splitlines()[0] if text else type(exc).__name__)


def announce_embedded(ctx):
    if ctx.embedded and not ctx.announced:
        ctx.announced = True
        LOG.warning('using the embedded database %s (no [database] '
                    'connection configured)', ctx.url)


def cannot_connect(ctx, exc):
    # Not retried: a server that refuses connections is a configuration
    # problem to report at once, not a blip inside a running migration.
    return errors.OperationFailed('cannot connect to the database %s: %s'
                                  % (urls.masked(ctx.url), one_line(exc)))


@contextlib.contextmanager
def connected(ctx):
    """An SQLAlchemy connection from the context's engine."""
    announce_embedded(ctx)
    engine = ctx.engine()
    try:
        conn = engine.connect()
    except Exception as exc:
        raise cannot_connect(ctx, exc) from exc
    try:
        yield conn
    finally:
        with contextlib.suppress(Exception):
            conn.close()


@contextlib.contextmanager
def _classified(ctx, dbapi_error):
    """Driver errors of statements run on a bare DB-API connection (the
    locks', the baseline's), classified as the engine classifies its own."""
    try:
        yield
    except dbapi_error as exc:
        raise retry.classified(exc, ctx.url) from exc


@contextlib.contextmanager
def linked(ctx):
    """The database as a ``locks.Link``: a connection the driver opens by
    itself where the URL allows (no SQLAlchemy), else an engine's."""
    backend = driver.backend(ctx.url, ctx.connect_timeout)
    if backend is None:
        with connected(ctx) as conn:
            with _classified(ctx, conn.dialect.loaded_dbapi.Error):
                yield locks.Link.of(conn)
        return
    announce_embedded(ctx)
    try:
        conn = backend.connect(autocommit=False)
    except backend.errors() as exc:
        raise cannot_connect(ctx, driver.DriverError(exc)) from exc
    try:
        with _classified(ctx, backend.errors()):
            yield locks.Link.direct(backend, conn)
    finally:
        with contextlib.suppress(Exception):
            conn.close()


@contextlib.contextmanager
def _holding(ctx, link, result):
    """The migration lock held on ``link`` for the block; its hold."""
    with locks.held(ctx, link, result.request_id) as hold:
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
def _locked(ctx, result):
    """A connection that holds the migration lock for as long as it is
    open, and the lock's hold."""
    with connected(ctx) as conn:
        link = locks.Link.of(conn)
        with _classified(ctx, conn.dialect.loaded_dbapi.Error):
            with _holding(ctx, link, result) as hold:
                yield conn, link, hold


def _fill_chain(ctx, result):
    result.heads, result.branches = map(list, runner.chain_summary(ctx.service))
    return runner.script_directory(ctx.service)


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
    # Whether an empty database may take the baseline is decided from the
    # chain's text; Alembic is loaded only when the chain must run.
    fresh = None if sql else baseline.candidate(ctx, target)
    if fresh is None:
        script = _fill_chain(ctx, result)
    else:
        script, result.heads, result.branches = None, fresh.heads, []
    if sql:
        result.sql = _offline(ctx, script, 'upgrade', target)
        return
    ctx.event('upgrade.start', result, target=target)
    retry.call(lambda: _upgrade_once(ctx, result, script, target, fresh),
               ctx.retry_attempts)


def _upgrade_once(ctx, result, script, target, fresh=None):
    if fresh is not None and _install_fresh(ctx, result, fresh):
        return
    with _locked(ctx, result) as (conn, link, hold):
        baseline.recover(link, ctx.service)
        script = script or _fill_chain(ctx, result)   # no baseline after all
        before = runner.current_heads(conn)
        plan = runner.plan_upgrade(script, before, target)
        applied = _reporter(ctx, result, before, plan)
        if not before and plan:
            result.details['fresh_install'] = 'chain'
        # Also with nothing planned: a record left by a finished run goes.
        runner.upgrade(conn, ctx.service, plan[-1].revision if plan else None,
                       on_applied=applied, before_revision=hold.check,
                       before_statement=hold.fence)
        result.revision_after = runner.current_heads(conn)


def _install_fresh(ctx, result, fresh):
    """Install the baseline if the database is empty; False if it is not.

    Runs on a connection the driver opens by itself where it can, so a
    fresh install loads neither SQLAlchemy nor Alembic.
    """
    with linked(ctx) as link:
        # Looked at before the lock, so a database in use goes to the
        # chain at once; looked at again under it.
        if not fresh.applies(link):
            return False
        with _holding(ctx, link, result) as hold:
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
    name = urls.dialect_name(ctx.url)
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
        with _locked(ctx, result) as (conn, _, hold):
            result.revision_before = runner.current_heads(conn)
            hold.verify('stamping %s' % revision)
            runner.stamp(conn, ctx.service, revision)
            result.revision_after = runner.current_heads(conn)
    retry.call(once, ctx.retry_attempts)


def populate(ctx, result):
    """Restore the service's standard rows; a second run changes nothing."""
    _fill_chain(ctx, result)

    def once():
        with _locked(ctx, result) as (conn, _, hold):
            result.revision_before = result.revision_after = \
                runner.current_heads(conn)
            if result.revision_after != result.heads:
                raise errors.OperationFailed(
                    'the database is at %s, not at head %s: run upgrade head '
                    'first' % (', '.join(result.revision_after) or 'base',
                               ', '.join(result.heads)))
            with conn.begin():
                result.details['populate'] = ctx.service.populate(conn)
                # The rows commit with the fence's own write where it has one.
                hold.verify('committing the standard rows')
    retry.call(once, ctx.retry_attempts)


def break_lock(ctx, result, confirm=False):
    """Free the migration lock of a run that is stuck or gone."""
    with linked(ctx) as link:
        result.lock = locks.holder(ctx, link)
        if result.lock is None:
            return
        if not confirm:
            raise errors.UsageError('the migration lock is held by %s; add '
                                    '--confirm to break it'
                                    % locks.describe(result.lock))
        LOG.warning('breaking the migration lock held by %s',
                    locks.describe(result.lock))
        locks.break_(ctx, link, result.lock)


def compare(ctx, result):
    """The differences between the head models and the live database."""
    _fill_chain(ctx, result)
    with connected(ctx) as conn:
        result.revision_before = result.revision_after = runner.current_heads(conn)
        diffs, code = runner.compare(conn, ctx.service.metadata())
    result.details.update(differences=diffs, upgrade_code=code)


def plan(ctx, result, revision='head', rehearse=False, sample_rows=None):
    """The pending revisions' operations and what each costs on this server.

    Exit code PLAN_BLOCKS when pending work blocks writes on a non-empty
    table or breaks running code.
    """
    from dbmanage.plan import build
    if not isinstance(rehearse, bool):
        raise errors.UsageError('rehearse must be true or false')
    if sample_rows is not None and (type(sample_rows) is not int or sample_rows < 1):
        raise errors.UsageError('sample_rows must be a positive integer')
    script = _fill_chain(ctx, result)
    with connected(ctx) as conn:
        result.revision_before = result.revision_after = runner.current_heads(conn)
        pending = runner.plan_upgrade(script, result.revision_before, revision or 'head')
        result.details['plan'] = found = build.build(
            conn, ctx.service, result.revision_before, pending)
    if rehearse and pending:
        from dbmanage.plan import rehearse as rehearsal
        found['rehearsal'] = rehearsal.run(ctx, result.revision_before, pending, plan=found,
                                           sample_rows=sample_rows or rehearsal.SAMPLE_ROWS)
    if found['blocking'] or found['breaking'] or found['failures']:
        result.exit_code = errors.PLAN_BLOCKS


def downgrade(ctx, result, **ignored):
    """Refused: a failed upgrade is undone by restoring a backup."""
    raise errors.UsageError('downgrade is not supported: restore the database '
                            'from the backup taken before the upgrade')


COMMANDS = {f.__name__: f for f in (current, history, heads, branches,
                                    check_migration, upgrade, stamp, populate,
                                    compare, plan, downgrade, break_lock)}
#: Commands that change the database (and take the migration lock).
WRITES = {'upgrade', 'stamp', 'populate'}


@functools.lru_cache(maxsize=None)
def _signature(fn):
    return inspect.signature(fn)


def execute(ctx, command, args=None, request_id=None):
    """Run ``command`` with ``args``; always return a Result, never raise."""
    result = Result(service=ctx.service.name, command=command,
                    database=urls.masked(ctx.url), host=ctx.host,
                    request_id=request_id or 'req-%s' % uuid.uuid4())
    started = time.monotonic()
    try:
        fn = COMMANDS.get(command)
        if fn is None:
            raise errors.UsageError('unknown command %r' % command)
        try:
            _signature(fn).bind(ctx, result, **(args or {}))
        except TypeError as exc:
            raise errors.UsageError('%s: %s' % (command, exc))
        fn(ctx, result, **(args or {}))
    except errors.DbManageError as exc:
        LOG.debug('%s failed', command, exc_info=exc.__cause__ is not None)
        result.exit_code, result.error = exc.exit_code, masking.scrub(exc.message)
    except Exception as exc:
        LOG.debug('%s failed', command, exc_info=True)
        result.exit_code = errors.FAILED
        result.error = '%s failed: %s' % (command, one_line(exc))
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
