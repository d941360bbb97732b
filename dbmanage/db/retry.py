"""The one retry policy: transient database errors are retried, a
statement that gave up waiting for a table lock is sent again, and an online
batch that lost to a writer runs again.

A rerun is safe wherever the error struck: PostgreSQL and SQLite roll the
unfinished revision back, and on MySQL the next attempt resumes it from the
journal (``migrate.journal``).

oslo.db classifies driver errors (deadlock, lock wait timeout, lost
connection) into its exception types. Its filters are imported on the first
error only, so the happy path does not pay for them.
"""
from __future__ import annotations

import logging

import tenacity

LOG = logging.getLogger(__name__)


def classify_errors(engine):
    """Translate driver errors of ``engine`` into oslo.db's exception types."""
    from sqlalchemy import event

    def _classify(context):
        from oslo_db.sqlalchemy import exc_filters
        return exc_filters.handler(context)

    event.listen(engine, 'handle_error', _classify, retval=True)


def classified(exc, url: str):
    """``exc``, a DB-API error raised on a bare driver connection (the
    locks', the baseline's), as oslo.db would have classified it on one of
    the engine's connections; SQLAlchemy's wrapping if oslo.db has no type
    for it."""
    import types

    import sqlalchemy as sa
    from oslo_db.sqlalchemy import exc_filters

    from dbmanage.db import urls
    dialect_cls = urls.parse(url).get_dialect()
    dialect = dialect_cls(dbapi=dialect_cls.import_dbapi())
    disconnect = dialect.is_disconnect(exc, None, None)
    wrapped = sa.exc.DBAPIError.instance(
        None, None, exc, dialect.loaded_dbapi.Error,
        connection_invalidated=disconnect, dialect=dialect)
    # The parts of SQLAlchemy's ExceptionContext that the filters read.
    context = types.SimpleNamespace(
        original_exception=exc, sqlalchemy_exception=wrapped, dialect=dialect,
        is_disconnect=disconnect, connection=None, is_pre_ping=False)
    try:
        return exc_filters.handler(context) or wrapped
    except Exception as as_is:   # a filter that keeps the error raises it
        return as_is


def is_transient(exc) -> bool:
    from oslo_db import exception as db_exc
    return isinstance(exc, (db_exc.DBDeadlock, db_exc.DBConnectionError))


def _log_attempt(state):
    LOG.warning('transient database error (attempt %d), retrying in %.1f s: %s',
                state.attempt_number, state.next_action.sleep,
                str(state.outcome.exception()).splitlines()[0])


def _run(fn, again, attempts, wait, log):
    """``fn()``, run again while ``again(exc)`` says so, ``attempts`` times at
    most; the last error is raised as it is."""
    return tenacity.Retrying(retry=tenacity.retry_if_exception(again),
                             stop=tenacity.stop_after_attempt(attempts), wait=wait,
                             before_sleep=log, reraise=True)(fn)


def call(fn, attempts: int):
    """Run ``fn()``; rerun it on a transient error."""
    return _run(fn, is_transient, attempts, tenacity.wait_exponential(multiplier=0.2, max=5),
                _log_attempt)


#: Attempts of a statement that keeps meeting a long transaction's table lock.
LOCK_ATTEMPTS = 30


def give_way(fn, lock_busy, what: str):
    """Run ``fn()``; each time it raises what ``lock_busy(exc)`` says is a
    lock wait it gave up, run it again after a growing pause. Giving up soon
    and trying again lets the writers queued behind the statement go first."""
    def _log(state):
        LOG.info('waiting for a table lock for %s; trying again in %.1f s',
                 what[:80], state.next_action.sleep)
    return _run(fn, lock_busy, LOCK_ATTEMPTS, tenacity.wait_exponential(multiplier=0.1, max=5),
                _log)


#: Attempts of a statement that takes its table lock only when it is free
#: at once: about a minute of tries 10-50 ms apart.
FREE_ATTEMPTS = 2000


def when_free(fn, lock_busy, what: str):
    """Run ``fn()``, a statement that never waits for its table lock, again
    and again while ``lock_busy(exc)`` says the lock was taken, a few
    milliseconds apart: between two writers' transactions it gets through.
    A statement queued for the lock would hold up every writer (and, on a
    Galera node, every applier) behind it."""
    def _log(state):
        if state.attempt_number % 100 == 0:
            LOG.info('the table lock for %s was taken %d times; trying again',
                     what[:80], state.attempt_number)
    return _run(fn, lock_busy, FREE_ATTEMPTS, tenacity.wait_random(0.01, 0.05), _log)


#: Attempts of one online batch that keeps losing to the writers.
BATCH_ATTEMPTS = 20


def lost_batch(fn, rollback, what: str, size: int):
    """Run one online batch ``fn(size)`` of ``size`` rows, a transaction of
    its own. When it loses to a writer (a deadlock; on Galera, a write set
    that failed certification) roll it back with ``rollback()`` and run it
    again over half as many rows: a batch changes only rows not yet changed,
    so the repeat takes up where the lost one began, and a smaller batch
    names fewer of the rows the writers keep changing, for less time.
    Returns ``fn``'s result and the size that went through."""
    from oslo_db import exception as db_exc
    sizes = [size]

    def _lost(exc):
        if not isinstance(exc, db_exc.DBDeadlock):
            return False
        rollback()
        sizes.append(max(1, sizes[-1] // 2))
        return True

    def _log(state):
        LOG.info('a batch of %s lost to a writer; running it again over %d rows in %.1f s',
                 what[:80], sizes[-1], state.next_action.sleep)
    found = _run(lambda: fn(sizes[-1]), _lost, BATCH_ATTEMPTS,
                 tenacity.wait_random_exponential(multiplier=0.05, max=2), _log)
    return found, sizes[-1]
