"""``wait``: return once the database is at a revision or past it.

Not a remote call: it asks ``history`` once and ``current`` until the
database gets there, following the agents' ``db_manage.*.end`` events in
between so that it answers promptly (and polling only, in-process or when
it cannot subscribe). ``timeout`` bounds the whole command, every call
included; a database or agent that does not answer is asked again until
then.
"""
from __future__ import annotations

import typing

import contextlib
import logging
import time

from dbmanage import deadline
from dbmanage import errors
from dbmanage.commands import spec
from dbmanage.commands import text

if typing.TYPE_CHECKING:
    from dbmanage.result import Result
    from dbmanage.services import Service

LOG = logging.getLogger(__name__)
END_EVENTS = {'db_manage.upgrade.end', 'db_manage.stamp.end'}
#: Exit codes of a call that may go away if asked again later.
_TRANSIENT = (errors.FAILED, errors.UNREACHABLE)


def wait(api, service: Service, revision: str | None = 'head', timeout: float = 600.0):
    started = time.monotonic()
    budget = deadline.Budget(timeout)
    api.budget = budget
    try:
        with _listening(api) as events:
            chain = _ask(api.history, budget, revision)
            if not chain.ok:
                return chain
            reached = _reached(chain, revision)
            now = _ask(api.current, budget, revision)
            while now.ok and not reached(now.revision_after):
                # Events make waiting prompt; asking again now and then
                # covers a node that migrated without an agent (no events).
                _sleep_until(events, service.name, reached,
                             min(budget.left(), 5.0 if events else 1.0))
                now = _ask(api.current, budget, revision, now)
    finally:
        api.budget = None
    now.command = 'wait'
    now.details['waited'] = round(time.monotonic() - started, 3)
    return now


@contextlib.contextmanager
def _listening(api):
    try:
        listener = api.listen(END_EVENTS)
        events = listener.__enter__()
    except errors.DbManageError as exc:
        LOG.warning('no events (%s); polling instead', exc.message)
        yield None
        return
    try:
        yield events
    finally:
        listener.__exit__(None, None, None)


def _ask(call, budget, revision, last=None):
    """One call's Result, asked again while it fails for a reason that may pass
    (an agent or database that does not answer) and time is left."""
    while True:
        if budget.left() <= 0:
            raise _timed_out(budget, revision, last)
        try:
            result = call()
        except errors.DbManageError as exc:
            if exc.exit_code not in _TRANSIENT:
                raise
            last = None
            LOG.debug('asking again: %s', exc.message)
        else:
            if result.ok or result.exit_code not in _TRANSIENT:
                return result
            last = result
        time.sleep(max(0, min(1.0, budget.left())))


def _timed_out(budget, revision, last):
    if last is not None and last.ok:
        return errors.WaitTimeout('the database is still at %s after %.0f s, '
                                  'not at %s' % (', '.join(last.revision_after) or 'base',
                                                 budget.seconds, revision))
    reason = (': %s' % last.error) if last is not None and last.error else ''
    return errors.WaitTimeout('no answer showed the database at %s within %.0f s%s'
                              % (revision, budget.seconds, reason))


def _reached(chain, revision):
    """A test: is a database at these revisions at ``revision`` or past it?"""
    order = [e['revision'] for e in reversed(chain.history)]
    wanted = chain.heads if revision in ('head', 'heads') else [revision]
    if any(rev not in order for rev in wanted):
        raise errors.UsageError('unknown revision %r' % revision)
    floor = max(order.index(rev) for rev in wanted)

    def reached(revs):
        unknown = [r for r in revs if r not in order]
        if unknown:
            raise errors.OperationFailed(
                'the database is at revision %s, which this chain does not '
                'know: is it newer than this tool?' % ', '.join(unknown))
        return any(order.index(r) >= floor for r in revs)
    return reached


def _sleep_until(events, service, reached, seconds):
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if events is None:
            time.sleep(left)
            return
        payload = (events.get(left) or {}).get('payload', {})
        if payload.get('service') == service and \
                _safe(reached, payload.get('revision_after', ())):
            return


def _safe(reached, revs):
    """An event about a revision this chain does not know ends the sleep:
    the next ``current`` reports it."""
    try:
        return reached(revs)
    except errors.DbManageError:
        return True


def render(result: Result, verbose: bool) -> str:
    return 'Database is at %s (waited %.1f s)' % (
        text.revisions(result.revision_after, result.heads), result.details.get('waited', 0))


COMMAND = spec.Command(
    'wait', 'return once the database is at a revision (another node migrates)', wait,
    remote=False, render=render,
    args=(spec.Arg('revision', default='head', flags=('--revision',), help='head or an id'),
          spec.Arg('timeout', float, 600.0, flags=('--timeout',),
                   help='seconds before giving up (exit code 6)')))
