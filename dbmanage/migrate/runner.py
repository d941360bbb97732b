"""Running the chain with Alembic: upgrade, stamp, offline SQL, compare, revision.

Each runs as Alembic's ``upgrade`` and ``stamp`` commands do, over the
script directory the process keeps for the chain (``scripts.run``), with the
connection and the per-revision callbacks handed to the shared env.py
through ``Config.attributes``.

Alembic keeps the state of a run in module globals (the ``alembic.context``
and ``alembic.op`` proxies), so two runs in one process would share it:
every one of them, offline SQL rendering included, runs under
``ALEMBIC_LOCK``. Reading the chain (``chain``) does not touch those
globals and never waits for it.
"""
import dataclasses
import functools
import io
import threading
import time

from dbmanage import chain
from dbmanage import dialects
from dbmanage import errors
from dbmanage.chain import scripts
from dbmanage.db import versions
from dbmanage.result import Applied

#: Held for the whole of every Alembic run in this process.
ALEMBIC_LOCK = threading.Lock()


def alembic(service, cfg, verb: str, target: str, sql=False) -> None:
    """Alembic's ``upgrade`` or ``stamp`` (``scripts.run``) over the chain
    this process keeps, one run at a time."""
    script = chain.script(service)
    with ALEMBIC_LOCK:
        scripts.run(script, cfg, verb, target, sql)


def current_heads(conn) -> list[str]:
    """The revision(s) recorded on ``conn``; ends the transaction the read opened."""
    heads = versions.heads_of(conn)
    settle(conn)
    return heads


def settle(conn) -> None:
    """End the implicit transaction a read opened.

    Alembic manages transactions only on a connection that has none open;
    handed one mid-transaction it runs everything inside it, and nothing
    would commit the last revision's version row.
    """
    if conn.in_transaction():
        conn.commit()


@dataclasses.dataclass
class _Timer:
    """Times each applied revision; notes what a resumed one skipped."""
    on_applied: object
    applied: list = dataclasses.field(default_factory=list)
    mark: float = dataclasses.field(default_factory=time.monotonic)
    journal: object = None

    def __call__(self, ctx, step, heads, run_args):
        now = time.monotonic()
        rev = step.up_revision
        applied = Applied(revision=step.up_revision_id,
                          down_revision=(step.down_revision_ids or (None,))[0],
                          description=scripts.description(rev) if rev else '',
                          duration=round(now - self.mark, 4))
        if self.journal is not None and self.journal.skipped:
            applied.resumed, self.journal.skipped = self.journal.skipped, []
        self.applied.append(applied)
        self.mark = now
        if self.on_applied:
            self.on_applied(applied)


def upgrade(conn, service, target, on_applied=None, before_revision=None,
            before_statement=None, online=None) -> list[Applied]:
    """Apply the chain up to ``target`` on ``conn``; return the Applied list.

    ``before_revision(revision_id)`` is called before each revision starts;
    raising there stops the run with nothing of that revision done. Where
    DDL commits by itself (MySQL) ``before_statement(what)`` is also called
    before every statement (the Galera lock's fence: a statement runs only
    while the lock is ours), and the run keeps a journal (``journal``) that
    resumes a revision an earlier run left half done; ``target=None`` only
    tidies a journal a finished run could not drop. ``online`` (a
    ``migrate.online.Online``) runs each statement the online way.
    """
    timer = _Timer(on_applied)
    dialect = dialects.of(conn)
    if _journaled(conn, dialect, online):
        from dbmanage.migrate import journal
        dialect.online.tidy(conn)
        script = chain.script(service)
        current = current_heads(conn)
        pending = scripts.pending(script, current, target) if target else []
        timer.journal = journal.Journal(conn, script, current, [r.revision for r in pending],
                                        before_statement, online,
                                        atomic=dialect.transactional_ddl)
    if target is None:
        if timer.journal is not None:
            timer.journal.finish()
        return []

    def announce(step):
        if before_revision:
            before_revision(step.revision.revision)
        if online is not None:
            online.revision = step.revision.revision
        if timer.journal is not None:
            timer.journal.start(step.revision.revision)

    if timer.journal is not None:
        configured = timer.journal.install
    elif online is not None:
        configured = functools.partial(_install_online, online)
    else:
        configured = None
    cfg = scripts.alembic_config(service, connection=conn, on_version_apply=timer,
                                 on_configured=configured, before_revision=announce)
    settle(conn)
    try:
        alembic(service, cfg, 'upgrade', target)
    except scripts.alembic_errors() as exc:
        raise errors.OperationFailed(str(exc)) from exc
    if timer.journal is not None:
        timer.journal.finish()
    return timer.applied


def _journaled(conn, dialect, online) -> bool:
    """Does this run keep the journal? Always where DDL commits by itself;
    with transactional DDL, when online batches commit inside revisions, or
    when such a run was interrupted."""
    if not dialect.transactional_ddl:
        return True
    if online is not None and online.active and dialect.online.batches:
        return True
    from dbmanage.migrate import journal
    return journal.read(conn) is not None


def _install_online(online, migration_context):
    """Where no journal sees every statement (DDL in transactions), this does."""
    impl = migration_context.impl
    original = impl._exec
    version_table = migration_context.version_table

    def _exec(construct, execution_options=None, multiparams=None, **kw):
        def run(c):
            return original(c, execution_options, multiparams, **kw)
        if getattr(getattr(construct, 'table', None), 'name', None) == version_table:
            return run(construct)
        return online.execute(construct, run, lambda what: None)
    impl._exec = _exec


def stamp(conn, service, revision) -> list[Applied]:
    timer = _Timer(None)
    cfg = scripts.alembic_config(service, connection=conn, on_version_apply=timer)
    from dbmanage.migrate import journal
    journal.discard(conn)
    settle(conn)
    alembic(service, cfg, 'stamp', revision)
    return timer.applied


def offline_sql(service, dialect_url, command_name, revision) -> str:
    """The SQL ``upgrade``/``stamp`` would run, for the URL's dialect."""
    output = io.StringIO()
    cfg = scripts.alembic_config(service, output=output, url=dialect_url)
    try:
        alembic(service, cfg, command_name, revision, sql=True)
    except scripts.alembic_errors() as exc:
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


def _next_revision_id(service, script):
    """Three-digit ids continue for services that use them; else Alembic's."""
    if not service.sequential_ids:
        return None
    numbers = [int(r.revision) for r in script.walk_revisions()
               if r.revision.isdigit()]
    return '%03d' % (max(numbers, default=0) + 1)


def write_revision(service, message, rev_id=None, upgrades=None) -> str:
    """Write a new revision file into the service's versions folder."""
    import uuid
    script = chain.script(service)
    rev_id = rev_id or _next_revision_id(service, script) or uuid.uuid4().hex[-12:]
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
