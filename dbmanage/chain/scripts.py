"""The chain as Alembic reads it: its script directory and revision arithmetic.

Alembic loads every revision file as a module. It does so once for the
chain ``chain.load`` answers with (kept on that Chain): whatever makes that
answer change (a revision added while the agent runs) makes Alembic read
the files again too, so the commands that migrate and those that only read
never see two different chains.
"""
from __future__ import annotations

import typing

import importlib.util
import io
import pathlib
import threading
import warnings

from dbmanage import dialects
from dbmanage import errors

if typing.TYPE_CHECKING:
    from dbmanage.services import Service

MIGRATIONS_DIR = pathlib.Path(importlib.util.find_spec('alembic_migrations').origin).parent


def alembic_config(service: Service, output=None, **attributes):
    from alembic.config import Config
    dialects.load_ddl_rules()
    cfg = Config(output_buffer=output, stdout=output or io.StringIO())
    cfg.set_main_option('script_location', str(MIGRATIONS_DIR))
    cfg.set_main_option('path_separator', 'os')
    cfg.set_main_option('version_locations', str(service.versions_dir))
    cfg.attributes.update(attributes)
    return cfg


def read(service: Service):
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


def run(script, cfg, verb: str, target: str, sql=False) -> None:
    """Alembic's ``upgrade`` or ``stamp`` of ``target`` (``start:end`` with
    ``sql``) over ``script``, the directory kept for the chain: Alembic's own
    commands would load every revision file again for each run."""
    from alembic.runtime.environment import EnvironmentContext
    from alembic.util import CommandError
    start = None
    if ':' in target:
        if not sql:
            raise CommandError('Range revision not allowed')
        start, target = target.split(':', 1)
    if verb == 'upgrade':
        def steps(rev, context):
            return script._upgrade_revs(target, rev)
        destination = target
    else:
        def steps(rev, context):
            return script._stamp_revs((target,), rev)
        destination = (target,)
    with EnvironmentContext(cfg, script, fn=steps, as_sql=sql, starting_rev=start,
                            destination_rev=destination):
        script.run_env()


def description(rev) -> str:
    doc = (rev.doc or '').strip().splitlines()
    return doc[0] if doc else ''


def ordered(script) -> list:
    """Every revision, oldest first."""
    return list(reversed(list(script.walk_revisions())))


def summarise(script):
    """(heads, branch points) of a script directory."""
    return (sorted(script.get_heads()),
            sorted(r.revision for r in script.walk_revisions() if r.is_branch_point))


def get_revision(script, rev):
    """A revision object; UsageError for an id the chain does not have."""
    try:
        found = script.get_revision(rev)
    except alembic_errors() as exc:
        raise errors.UsageError('unknown revision %r: %s' % (rev, str(exc).split('\n')[0]))
    if found is None:
        raise errors.UsageError('unknown revision %r' % rev)
    return found


def pending(script, current: list[str], target):
    """The revisions an upgrade from ``current`` to ``target`` applies, in order.

    Resolving the whole plan before touching the database means a bad target
    (unknown id, ``+N`` past the head, a revision below the current one)
    leaves the database exactly as it was.
    """
    chain = ordered(script)
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


def alembic_errors():
    from alembic.util import CommandError
    from alembic.script.revision import RevisionError
    return (CommandError, RevisionError)


_READING = threading.Lock()


def directory(found, service: Service):
    """Alembic's script directory for the Chain ``found`` (``chain.load``'s)."""
    with _READING:
        if found.alembic is None:
            script = read(service)
            found.alembic = (script, summarise(script))
        return found.alembic[0]
