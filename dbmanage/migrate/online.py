"""``upgrade --online``: the same revisions, without long waits for the service's writers.

A revision's statements reach ``Online.execute`` one by one (through the
journal where batches commit inside a revision, through a thin wrapper
elsewhere). Each goes one of three ways, chosen by the backend's ``online``
module (``dialect.online``):

* a data step (a DELETE, or an UPDATE setting constants or columns of the
  same row that it does not set itself, over a table with a one-column
  primary key) runs in key-ordered batches, each its own short
  transaction that also records how far it got, then once more over the
  whole table for rows written meanwhile. Every batch only touches rows not
  yet as the statement leaves them, so the end data equals the one-shot
  statement's, and a batch run twice changes nothing;
* DDL asks the server for a change that lets writers go on, waits briefly
  for its locks, or goes through a shadow copy of the table (the backend's
  ``alter``);
* anything else runs as it is.

A backend's module names ``batches`` (does it run data steps in batches),
``NOTE`` (what a result of an online run says about the backend, or None),
``alter``, ``tidy`` and ``forecast`` (what ``plan`` says); one that batches
also gives ``estimate_rows``, ``primary_key``, ``commit`` and
``batch_session`` (which yields the pause to take after each batch, given
the seconds the batch took).

``mode`` is ``never``, ``auto`` (online for tables of at least ``rows``
rows, by the server's estimate) or ``always``.

SQLAlchemy is imported where a statement is looked at: the settings are
part of every process's context, and a fresh install loads none of it.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import re
import time

LOG = logging.getLogger(__name__)

MODES = ('never', 'auto', 'always')
#: Seconds between two progress reports of one table: a notification per
#: batch would be a thousand per million rows.
REPORT_EVERY = 1.0


@dataclasses.dataclass
class Settings:
    mode: str = 'auto'
    #: ``auto`` goes online for tables holding at least this many rows.
    rows: int = 20000
    #: Rows per batch of a data step or of a shadow copy.
    batch: int = 1000
    #: Seconds a DDL statement waits for a table lock before it gives way and retries.
    lock_wait: float = 1.0


@dataclasses.dataclass
class Progress:
    """Chunked work on one table, as it goes."""
    revision: str
    table: str
    what: str          # 'update', 'delete' or 'copy'
    done: int = 0
    total: int = 0
    started: float = dataclasses.field(default_factory=time.monotonic)
    reported: float = 0.0

    def to_dict(self) -> dict:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed
        left = max(self.total - self.done, 0)
        return {'revision': self.revision, 'table': self.table, 'what': self.what,
                'rows_done': self.done, 'rows_total': self.total,
                'rows_per_second': round(rate, 1), 'seconds': round(elapsed, 3),
                'eta_seconds': round(left / rate, 1) if rate > 0 else None}


class Online:
    """What ``--online`` does to the statements of one run on one connection.

    ``report(progress_dict, final)`` hears of chunked work; ``summary`` keeps
    one entry per table worked on in batches or through a shadow copy.
    """

    def __init__(self, conn, dialect, settings: Settings, report=None):
        self.conn = conn
        self.settings = settings
        self.backend = dialect.online
        self.report = report or (lambda progress, final: None)
        self.summary: list[dict] = []
        self.revision = None
        self._estimates: dict[str, int] = {}

    @property
    def active(self) -> bool:
        return self.settings.mode != 'never'

    def large(self, table: str) -> bool:
        """Does this table take the online path?"""
        if self.settings.mode == 'always':
            return True
        if self.settings.mode == 'never':
            return False
        if table not in self._estimates:
            self._estimates[table] = self.backend.estimate_rows(self.conn, table)
        return self._estimates[table] >= self.settings.rows

    def execute(self, construct, run, fence, record=None, resume_key=None):
        """Run one statement of the current revision.

        ``run(construct)`` runs it as Alembic would; ``fence(what)`` must
        come before every statement sent that changes the database (the
        backend's ways call it themselves); ``record(key)`` (the journal's)
        saves how far a batched step got inside the batch's transaction, and
        ``resume_key`` is what an interrupted run saved.
        """
        if self.active:
            step = batchable(construct)
            if step is not None and self.backend.batches and self.large(step.table):
                return self._batched(step, fence, record, resume_key)
            return self.backend.alter(self, construct, run, fence)
        fence('statement')
        return run(construct)

    # -- data steps in batches -------------------------------------------------

    def _batched(self, step, fence, record, resume_key):
        import sqlalchemy as sa
        pk = self.backend.primary_key(self.conn, step.table)
        if len(pk) != 1:
            LOG.info('%s has no one-column primary key: its %s runs in one statement',
                     step.table, step.what)
            fence('statement on %s' % step.table)
            return self.conn.execute(step.statement)
        key = sa.literal_column(self.conn.dialect.identifier_preparer.quote(pk[0]))
        progress = Progress(self.revision, step.table, step.what,
                            total=self.backend.estimate_rows(self.conn, step.table))
        first_pass, after = 1, None
        if resume_key is not None:
            first_pass, after = resume_key
            LOG.warning('resuming the batched %s of %s in pass %d after key %r',
                        step.what, step.table, first_pass, after)
        with self.backend.batch_session(self.conn) as pause:
            for number in range(first_pass, 3):
                # Pass 2 finds rows written behind pass 1's cursor.
                after = self._pass(step, key, number, after, progress, fence, record, pause)
                after = None
        self._finished(progress)

    def _pass(self, step, key, number, after, progress, fence, record, pause):
        import sqlalchemy as sa

        from dbmanage.db import retry
        size = self.settings.batch
        while True:
            started = time.monotonic()

            def run_batch(rows):
                fence('batch of %s on %s' % (step.what, step.table))
                upper = self.conn.execute(
                    sa.select(key).select_from(sa.table(step.table)).where(
                        key > after if after is not None else sa.true())
                    .order_by(key).offset(rows - 1).limit(1)).scalar()
                statement = step.pending
                if after is not None:
                    statement = statement.where(key > after)
                if upper is not None:
                    statement = statement.where(key <= upper)
                changed = self.conn.execute(statement).rowcount
                if record is not None:
                    record((number, upper) if upper is not None else (number + 1, None))
                self.backend.commit(self.conn)
                return changed, upper
            (changed, upper), size = retry.lost_batch(
                run_batch, lambda: self.backend.rollback(self.conn),
                '%s on %s' % (step.what, step.table), size)
            # After a lost batch the size grows back, doubling batch by batch.
            size = min(self.settings.batch, size * 2)
            self.progressed(progress, changed)
            pause(time.monotonic() - started)
            if upper is None:
                return None
            after = upper

    def progressed(self, progress: Progress, rows: int) -> None:
        """A batch that changed ``rows`` rows is done; reported once a second."""
        progress.done += max(rows, 0)
        progress.total = max(progress.total, progress.done)
        if time.monotonic() - progress.reported >= REPORT_EVERY:
            progress.reported = time.monotonic()
            self.report(progress.to_dict(), False)

    def _finished(self, progress):
        progress.total = progress.done
        found = progress.to_dict()
        self.summary.append(found)
        self.report(found, True)

    def copied(self, progress: Progress) -> None:
        """A shadow copy (the backend's) finished."""
        self._finished(progress)


@dataclasses.dataclass
class _Step:
    table: str
    what: str
    statement: object
    #: The statement limited to rows it would still change.
    pending: object


def batchable(construct) -> _Step | None:
    """The data step ``construct`` as batches can run it, or None.

    Only an UPDATE whose new values are constants or columns it does not set
    (so "rows it would still change" can be written as a condition, and a
    row changed once stays as it is) or a DELETE, on one table.
    """
    import sqlalchemy as sa
    if isinstance(construct, (str, sa.sql.elements.TextClause)):
        return _text_step(construct)
    if isinstance(construct, sa.sql.dml.Delete) and _plain_table(construct.table):
        return _Step(construct.table.name, 'delete', construct, construct)
    if not isinstance(construct, sa.sql.dml.Update) or not _plain_table(construct.table):
        return None
    values = getattr(construct, '_values', None) or {}
    if not values or getattr(construct, '_multi_values', None) or \
            getattr(construct, '_ordered_values', None):
        return None
    assigned = {c if isinstance(c, str) else c.name for c in values}
    unchanged = []
    for column, value in values.items():
        if isinstance(column, str):
            column = construct.table.c[column]
        if isinstance(value, sa.sql.elements.BindParameter) and not value.callable:
            value = sa.literal(value.value, value.type)
        elif not _other_column(value, construct.table, assigned):
            return None
        unchanged.append(column.is_not_distinct_from(value))
    return _Step(construct.table.name, 'update', construct,
                 construct.where(sa.not_(sa.and_(*unchanged))))


def _other_column(value, table, assigned) -> bool:
    """Is ``value`` a column of ``table`` that the UPDATE does not set? A row
    then keeps the value a batch gave it (``SET n = n + 1`` would not)."""
    import sqlalchemy as sa
    return isinstance(value, sa.sql.expression.ColumnClause) and not value.is_literal and \
        value.table is not None and value.table.name == table.name and \
        value.name not in assigned


def _plain_table(table) -> bool:
    import sqlalchemy as sa
    return isinstance(table, sa.sql.expression.TableClause) and \
        not isinstance(table, sa.sql.expression.Alias)


_NAME = r'[`"]?(\w+)[`"]?'
_VALUE = r"'(?:[^']|'')*'|-?\d+(?:\.\d+)?|NULL|TRUE|FALSE"
_UPDATE = re.compile(r'^\s*UPDATE\s+%s\s+SET\s+(.*?)(?:\s+WHERE\s+(.*?))?\s*;?\s*$' % _NAME,
                     re.I | re.S)
_COLUMN = r'(?:%s\s*\.\s*)?%s' % (_NAME, _NAME)
_SET = re.compile(r'\s*%s\s*=\s*(%s|%s)\s*(,|$)' % (_NAME, _VALUE, _COLUMN), re.I)
_DELETE = re.compile(r'^\s*DELETE\s+FROM\s+%s(?:\s+WHERE\s+(.*?))?\s*;?\s*$' % _NAME,
                     re.I | re.S)


@functools.cache
def _keywords() -> frozenset:
    from sqlalchemy.dialects.mysql import reserved_words
    from sqlalchemy.dialects.postgresql import base as postgresql
    from sqlalchemy.sql import compiler
    return frozenset().union(compiler.RESERVED_WORDS, postgresql.RESERVED_WORDS,
                             reserved_words.RESERVED_WORDS_MYSQL,
                             reserved_words.RESERVED_WORDS_MARIADB)


def _text_step(construct) -> _Step | None:
    """An UPDATE setting constants or other columns of the row, or a DELETE,
    of one table, written as SQL text (a revision's ``op.execute``), as a
    step batches can run."""
    import sqlalchemy as sa
    if getattr(construct, '_bindparams', None):
        return None     # its values would not follow it into the batches
    sql = construct if isinstance(construct, str) else construct.text
    found = _DELETE.match(sql)
    if found:
        table, where = found.groups()
        statement = sa.delete(sa.table(table))
        if where:
            # Parenthesised: the batches add their own conditions with AND.
            statement = statement.where(sa.text('(%s)' % where))
        return _Step(table, 'delete', construct, statement)
    found = _UPDATE.match(sql)
    if not found:
        return None
    table, assignments, where = found.groups()
    values, read, at = {}, set(), 0
    while at < len(assignments):
        part = _SET.match(assignments, at)
        if part is None or part.end() == at:
            return None
        column, value, qualifier, other = part.group(1, 2, 3, 4)
        if other is not None:
            # A keyword (CURRENT_TIMESTAMP) is no column, and a row would
            # take a new value from it in every pass.
            if other.lower() in _keywords() or qualifier not in (None, table):
                return None
            read.add(other)
        values[column] = value
        at = part.end()
    if not values or read & set(values):
        return None
    target = sa.table(table, *[sa.column(c) for c in values])
    statement = sa.update(target).values({target.c[c]: sa.literal_column(v)
                                          for c, v in values.items()})
    if where:
        statement = statement.where(sa.text('(%s)' % where))
    unchanged = [target.c[c].is_not_distinct_from(sa.literal_column(v))
                 for c, v in values.items()]
    return _Step(table, 'update', construct, statement.where(sa.not_(sa.and_(*unchanged))))


def batchable_sql(sql: str) -> bool:
    """Would ``sql``, a statement as offline SQL spells it, run in batches?"""
    return _text_step(sql) is not None


def batches_forecast(settings: Settings) -> dict:
    """``plan``'s word on a data step that runs in batches."""
    return {'way': 'batches', 'blocks': False, 'wait_s': 0.1,
            'writes_wait': 'one batch of %d rows (milliseconds)' % settings.batch}
