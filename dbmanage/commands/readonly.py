"""The read-only commands: current, history, heads, branches, check_migration.

They answer from the chain's files read as text (``chain``) and, for the
database, one query through the driver (``version_table``), so they load
neither SQLAlchemy nor Alembic. A chain only Alembic can read, a question
only its revision map answers, or a URL for another driver takes the
Alembic path, with the same results.
"""
import logging
import os

from dbmanage import chain
from dbmanage.db import urls
from dbmanage import errors
from dbmanage.db import driver
from dbmanage.db import versions

LOG = logging.getLogger(__name__)


def _chain(ctx, result):
    found = chain.load(ctx.service)
    result.heads, result.branches = list(found.heads), list(found.branches)
    return found


def _reader(ctx):
    if ctx._versions is None:
        ctx._versions = versions.Reader(ctx.url, ctx.connect_timeout)
    return ctx._versions


def database_heads(ctx):
    """The revision(s) the database is at, sorted."""
    from dbmanage import commands
    reader = _reader(ctx)
    if not reader.direct:
        from dbmanage.migrate import runner
        with commands.connected(ctx) as conn:
            return runner.current_heads(conn)
    commands.announce_embedded(ctx)
    try:
        reader.connect()
    except driver.DriverError as exc:
        raise commands.cannot_connect(ctx, exc) from exc
    return reader.heads()


def _entry(rev, current=()):
    return {
        'revision': rev.revision,
        'down_revision': rev.down_revision,
        'description': rev.description,
        'is_head': rev.is_head,
        'is_branch_point': rev.is_branch_point,
        'is_current': rev.revision in current,
        'path': os.path.basename(rev.path),
    }


def current(ctx, result, verbose=False):
    """The revision the database is at; with ``verbose``, who migrates it now."""
    found = _chain(ctx, result)
    result.revision_before = result.revision_after = database_heads(ctx)
    if verbose:
        result.history = [_entry(found.by_id[rev], result.revision_after)
                          for rev in result.revision_after if rev in found.by_id]
        result.lock = _holder(ctx)


def _holder(ctx):
    """Who holds the migration lock, or None.

    Asked only for details: a plain ``current`` never loads the locks (nor
    tooz, with a coordinator).
    """
    from dbmanage import locks
    from dbmanage import commands
    try:
        with commands.linked(ctx) as link:
            return locks.holder(ctx, link)
    except Exception as exc:
        # The revision is the answer; who migrates is a bonus.
        LOG.warning('cannot tell whether a migration is running: %s',
                    commands.one_line(exc))
        return None


def _peek_current(ctx):
    """The database's revision for marking history, or () if unreachable."""
    if ctx.embedded and not os.path.exists(urls.split(ctx.url).database or ''):
        return ()
    try:
        return database_heads(ctx)
    except Exception as exc:
        LOG.debug('history without the current revision: %s', exc)
        return ()


def _get(ctx, found, rev):
    try:
        return found.get(rev)
    except chain.AlembicNeeded:
        from dbmanage.migrate import runner
        return runner.get_revision(runner.script_directory(ctx.service), rev)


def _between(ctx, found, upper, lower):
    try:
        return found.between(upper, lower)
    except chain.AlembicNeeded:
        from dbmanage.migrate import runner
        script = runner.script_directory(ctx.service)
        revs = script.iterate_revisions(upper, lower, inclusive=True) \
            if lower != 'base' else script.iterate_revisions(upper, lower)
        return [found.by_id[r.revision] for r in revs]


def history(ctx, result, rev_range=None, verbose=False):
    """The chain, newest first, optionally limited to ``A:B``."""
    found = _chain(ctx, result)
    lower, upper = 'base', 'heads'
    if rev_range:
        if ':' not in rev_range:
            raise errors.UsageError('history range must look like A:B, A: or :B')
        lower, upper = (part or default for part, default in
                        zip(rev_range.split(':', 1), ('base', 'heads')))
        for rev in (lower, upper):
            if rev not in ('base', 'heads', 'head'):
                _get(ctx, found, rev)
    result.revision_before = result.revision_after = _peek_current(ctx)
    result.history = [_entry(r, result.revision_after)
                      for r in _between(ctx, found, upper, lower)]


def heads(ctx, result):
    """The head revision(s) of the chain."""
    _chain(ctx, result)


def branches(ctx, result):
    """The branch points of the chain (none for a linear history)."""
    _chain(ctx, result)


def check_migration(ctx, result):
    """Succeed only for one linear history; name the branch points otherwise."""
    _chain(ctx, result)
    if len(result.heads) != 1:
        raise errors.CheckFailed(
            'the chain has %d heads (%s); branch points: %s'
            % (len(result.heads), ', '.join(result.heads),
               ', '.join(result.branches) or 'none'))
