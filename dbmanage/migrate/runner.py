"""Alembic machinery: scripts, revision arithmetic and running a chain.

Read-only questions (current, heads, history) use the script directory and a
migration context directly; upgrade, stamp and revision go through Alembic's
public ``command`` functions, with the connection, metadata and per-revision
callback handed to the shared env.py through ``Config.attributes``.

Alembic keeps the state of a run in module globals (the ``alembic.context``
and ``alembic.op`` proxies), so two ``command`` calls in one process would
share it: every one of them, offline SQL rendering included, runs under
``ALEMBIC_LOCK``. The read-only questions above do not touch those globals
and never wait for it.
"""
import dataclasses
import importlib.util
import io
import pathlib
import threading
import time
import warnings

from dbmanage import chain
from dbmanage import errors
from dbmanage.result import Applied

#: Held for the whole of every ``alembic.command`` call in this process.
ALEMBIC_LOCK = threading.Lock()

MIGRATIONS_DIR = pathlib.Path(importlib.util.find_spec('alembic_migrations').origin).parent


def alembic_config(service, output=None, **attributes):
    from alembic.config import Config
    cfg = Config(output_buffer=output, stdout=output or io.StringIO())
    cfg.set_main_option('script_location', str(MIGRATIONS_DIR))
    cfg.set_main_option('path_separator', 'os')
    cfg.set_main_option('version_locations', str(service.versions_dir))
    cfg.attributes.update(attributes)
    return cfg


def script_directory(service):
    """The service's chain; CheckFailed if its revisions do not form a graph.

    Alembic reads the files of the chain ``chain.load`` answers with, once:
    whatever makes that answer change (a revision added while the agent
    runs) makes Alembic read them again, so the commands that migrate and
    those that only read never see two different chains.
    """
    return _reading(service)[0]


def chain_summary(service):
    """(heads, branch points) of the service's chain."""
    return _reading(service)[1]


_READING = threading.Lock()


def _reading(service):
    found = chain.load(service)
    with _READING:
        if found.alembic is None:
            script = read_chain(service)
            found.alembic = (script, summarise(script))
        return found.alembic


def read_chain(service):
    """Alembic's script directory, every revision file loaded and linked."""
    from alembic.script import ScriptDirectory
    with warnings.catch_warnings():
        # Alembic only warns about a down_revision that names no revision,
        # and fails later on; make it the error it is.
        warnings.filterwarnings('error', message='Revision .* is not present')
        try:
            script = ScriptDirectory.from_config(alembic_config(service))
            list(script.walk_revisions())  # loads and links every revision file
        except (*alembic_errors(), KeyError, UserWarning) as exc:
            raise errors.CheckFailed('broken migration chain: %s' % exc)
    return script


def describe(rev):
    doc = (rev.doc or '').strip().splitlines()
    return doc[0] if doc else ''


def ordered_revisions(script):
    """Every revision, oldest first."""
    return list(reversed(list(script.walk_revisions())))


def summarise(script):
    """(heads, branch points) of a script directory."""
    return (sorted(script.get_heads()),
            sorted(r.revision for r in script.walk_revisions() if r.is_branch_point))


def current_heads(conn):
    from alembic.runtime.migration import MigrationContext
    heads = sorted(MigrationContext.configure(conn).get_current_heads())
    settle(conn)
    return heads


def settle(conn):
    """End the implicit transaction a read opened.

    Alembic manages transactions only on a connection that has none open;
    handed one mid-transaction it runs everything inside it, and nothing
    would commit the last revision's version row.
    """
    if conn.in_transaction():
        conn.commit()


def get_revision(script, rev):
    """A revision object; UsageError for an id the chain does not have."""
    try:
        found = script.get_revision(rev)
    except alembic_errors() as exc:
        raise errors.UsageError('unknown revision %r: %s' % (rev, str(exc).split('\n')[0]))
    if found is None:
        raise errors.UsageError('unknown revision %r' % rev)
    return found


def plan_upgrade(script, current, target):
    """The revisions an upgrade from ``current`` to ``target`` applies, in order.

    Resolving the whole plan before touching the database means a bad target
    (unknown id, ``+N`` past the head, a revision below the current one)
    leaves the database exactly as it was.
    """
    chain = ordered_revisions(script)
    ids = [r.revision for r in chain]
    if len(script.get_heads()) > 1:
        raise errors.CheckFailed('the chain has several heads (%s); run '
                                 'check_migration' % ', '.join(sorted(script.get_heads())))
    if len(current) > 1:
        raise errors.OperationFailed('the database records several revisions '
                                     '(%s)' % ', '.join(current))
    for rev in current:
        if rev not in ids:
            raise errors.OperationFailed(
                'the database is at revision %s, which this chain does not '
                'know: is it newer than this tool?' % rev)
    start = ids.index(current[0]) + 1 if current else 0
    if target in ('head', 'heads'):
        end = len(ids)
    elif target.startswith('+'):
        try:
            steps = int(target[1:])
        except ValueError:
            raise errors.UsageError('bad relative revision %r' % target)
        if steps < 1:
            raise errors.UsageError('relative upgrade must be +1 or more')
        if start + steps > len(ids):
            raise errors.UsageError(
                'cannot upgrade %s: only %d revision(s) above %s'
                % (target, len(ids) - start, current[0] if current else 'base'))
        end = start + steps
    else:
        rev = get_revision(script, target).revision
        end = ids.index(rev) + 1
        if end < start:
            raise errors.UsageError(
                'the database is at %s, past %s: downgrade is not supported'
                % (current[0], rev))
    return chain[start:end]


@dataclasses.dataclass
class _Progress:
    """Times each applied revision; notes what a resumed one skipped."""
    on_applied: object
    applied: list = dataclasses.field(default_factory=list)
    mark: float = dataclasses.field(default_factory=time.monotonic)
    recorder: object = None

    def __call__(self, ctx, step, heads, run_args):
        now = time.monotonic()
        rev = step.up_revision
        applied = Applied(revision=step.up_revision_id,
                          down_revision=(step.down_revision_ids or (None,))[0],
                          description=describe(rev) if rev else '',
                          duration=round(now - self.mark, 4))
        if self.recorder is not None and self.recorder.skipped:
            applied.resumed, self.recorder.skipped = self.recorder.skipped, []
        self.applied.append(applied)
        self.mark = now
        if self.on_applied:
            self.on_applied(applied)


def alembic_errors():
    from alembic.util import CommandError
    from alembic.script.revision import RevisionError
    return (CommandError, RevisionError)


def upgrade(conn, service, target, on_applied=None, before_revision=None,
            before_statement=None):
    """Apply the chain up to ``target`` on ``conn``; return the Applied list.

    ``before_revision(revision_id)`` is called before each revision starts;
    raising there stops the run with nothing of that revision done. On MySQL
    ``before_statement(what)`` is also called before every statement (the
    Galera lock's fence: a statement runs only while the lock is ours).
    On MySQL the run keeps a progress record (see ``progress``) and resumes
    a revision an earlier run left half done; ``target=None`` only tidies a
    record a finished run could not drop.
    """
    from alembic import command
    progress = _Progress(on_applied)
    if conn.dialect.name == 'mysql':
        from dbmanage.migrate import journal as record
        script = script_directory(service)
        current = current_heads(conn)
        plan = plan_upgrade(script, current, target) if target else []
        progress.recorder = record.Recorder(conn, script, current,
                                            [r.revision for r in plan],
                                            before_statement)
    if target is None:
        if progress.recorder is not None:
            progress.recorder.finish()
        return []

    def announce(step):
        if before_revision:
            before_revision(step.revision.revision)
        if progress.recorder is not None:
            progress.recorder.start(step.revision.revision)

    configured = progress.recorder.install if progress.recorder is not None else None
    cfg = alembic_config(service, connection=conn, on_version_apply=progress,
                          on_configured=configured, before_revision=announce)
    settle(conn)
    try:
        with ALEMBIC_LOCK:
            command.upgrade(cfg, target)
    except alembic_errors() as exc:
        raise errors.OperationFailed(str(exc)) from exc
    if progress.recorder is not None:
        progress.recorder.finish()
    return progress.applied


def stamp(conn, service, revision):
    from alembic import command
    progress = _Progress(None)
    cfg = alembic_config(service, connection=conn, on_version_apply=progress)
    if conn.dialect.name == 'mysql':
        from dbmanage.migrate import journal as record
        record.discard(conn)
    settle(conn)
    with ALEMBIC_LOCK:
        command.stamp(cfg, revision)
    return progress.applied


def offline_sql(service, dialect_url, command_name, revision):
    """The SQL ``upgrade``/``stamp`` would run, for the URL's dialect."""
    from alembic import command
    output = io.StringIO()
    cfg = alembic_config(service, output=output, url=dialect_url)
    try:
        with ALEMBIC_LOCK:
            getattr(command, command_name)(cfg, revision, sql=True)
    except alembic_errors() as exc:
        raise errors.UsageError(str(exc).splitlines()[0])
    return output.getvalue()


def compare(conn, metadata):
    """Autogenerate against the live database: (differences, upgrade code)."""
    from alembic.autogenerate import produce_migrations, render_python_code
    from alembic.runtime.migration import MigrationContext
    ctx = MigrationContext.configure(
        conn, opts={'compare_type': True, 'target_metadata': metadata})
    ops = produce_migrations(ctx, metadata).upgrade_ops
    diffs = [repr(d) for d in ops.as_diffs()]
    code = None if ops.is_empty() else render_python_code(
        ops, render_as_batch=True)
    return diffs, code


def next_revision_id(service, script):
    """Three-digit ids continue for services that use them; else Alembic's."""
    if not service.sequential_ids:
        return None
    numbers = [int(r.revision) for r in script.walk_revisions()
               if r.revision.isdigit()]
    return '%03d' % (max(numbers, default=0) + 1)


def write_revision(service, message, rev_id=None, upgrades=None):
    """Write a new revision file into the service's versions folder."""
    script = script_directory(service)
    rev_id = rev_id or next_revision_id(service, script) or _random_id()
    if not rev_id.replace('_', '').isalnum():
        raise errors.UsageError('revision id must be letters, digits and _')
    if rev_id in {r.revision for r in script.walk_revisions()}:
        raise errors.UsageError('revision id %s already exists' % rev_id)
    if len(script.get_heads()) != 1:
        raise errors.CheckFailed('the chain has several heads; run '
                                 'check_migration')
    script.file_template = '%(rev)s_%(slug)s'
    made = script.generate_revision(rev_id, message, head='head',
                                    upgrades=upgrades)
    return made.path


def _random_id():
    import uuid
    return uuid.uuid4().hex[-12:]
