"""How far the running revision got, where DDL commits statement by statement.

MySQL and MariaDB commit every DDL statement on its own, so a run that dies
inside revision R leaves part of R applied while ``alembic_version`` still
names the revision before. While a run applies revisions on such a database
it keeps one row in the table ``dbmanage_progress``: the revision it is in
and how many of that revision's statements are done. The table is dropped
when the run ends, so a database with no run in progress holds nothing of
dbmanage's beyond ``alembic_version``.

Every statement a revision sends through Alembic is one step, and each step
is followed by ``UPDATE dbmanage_progress SET steps_done = n``. That UPDATE
is never committed on its own: MySQL commits the open transaction implicitly
before each DDL statement and Alembic commits at the end of the revision. So
a data step's count commits with its data (both or neither survive a crash),
and a DDL step's count commits as the next DDL starts: after a crash, the
steps before the recorded count are done, data steps from it on are not, and
only the DDL step at the recorded count may be done but uncounted. The next
run resumes there: it skips the counted steps, asks ``resume.state`` whether
that one DDL step took effect, and runs the rest. The price on a healthy
run is one small UPDATE per step, and one more InnoDB log flush per DDL step
(the implicit commit now has a row to make durable); a run that finds no
record checks nothing.

An online run (``migrate.online``) splits a data step into batches, each
committed on its own: every batch's transaction also sets ``batch_key``
(the pass and the last key it covered), and a resumed step goes on after
it. A batch repeated after a crash changes nothing, since each batch only
touches rows the statement has not yet changed.

PostgreSQL and SQLite run each revision in one transaction and need none of
this, except in an online run on PostgreSQL, whose batches commit inside a
revision: there the journal is kept too, and since every statement commits
with its count (``atomic``), the statement after the counted ones was not
done and nothing needs checking.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging

import sqlalchemy as sa

from dbmanage import errors
from dbmanage.migrate import resume

LOG = logging.getLogger(__name__)

TABLE = 'dbmanage_progress'


@dataclasses.dataclass
class Interrupted:
    """What the record says: ``revision`` stopped after ``steps_done`` steps,
    run from the revision file whose digest is ``digest`` (None in a record
    an older dbmanage left)."""
    revision: str
    steps_done: int
    digest: str | None = dataclasses.field(default=None, compare=False)
    #: Columns an older dbmanage's table lacks.
    missing: tuple = dataclasses.field(default=(), compare=False)
    #: How far the batches of an online data step got: (pass, last key).
    batch_key: tuple | None = dataclasses.field(default=None, compare=False)


def read(conn):
    """The record left by an interrupted run, or None."""
    if not sa.inspect(conn).has_table(TABLE):
        return None
    row = conn.execute(sa.text('SELECT * FROM %s' % TABLE)).mappings().first()
    if row is None:
        return None
    batch_key = row.get('batch_key')
    return Interrupted(row['revision'], row['steps_done'], row.get('digest'),
                       missing=tuple(c for c in _LATER_COLUMNS if c not in row),
                       batch_key=tuple(json.loads(batch_key)) if batch_key else None)


#: Columns added to the table after its first release, with their type.
_LATER_COLUMNS = {'digest': 'CHAR(16) NULL', 'batch_key': 'VARCHAR(512) NULL'}


def digest(script, revision: str | None) -> str:
    """What the record keeps of a revision's file: a resume runs the same file."""
    with open(script.get_revision(revision).path, 'rb') as source:
        return hashlib.sha256(source.read()).hexdigest()[:16]


def is_data(construct) -> bool:
    """True for statements MySQL runs inside a transaction (DML)."""
    if isinstance(construct, sa.sql.dml.UpdateBase):
        return True
    if isinstance(construct, (str, sa.sql.elements.TextClause)):
        words = str(construct).split(None, 1)
        return bool(words) and words[0].upper() in ('INSERT', 'UPDATE', 'DELETE', 'REPLACE')
    return False


class Journal:
    """Keeps the journal of one run on one connection, and resumes from it.

    ``install(migration_context)`` wraps its impl's single statement entry,
    ``start(revision)`` runs before each revision, ``finish()`` after the
    last one. ``skipped`` lists what a resumed revision did not run again.
    """

    def __init__(self, conn, script, current, plan, before_statement=None, online=None,
                 atomic=False):
        self.conn = conn
        #: Each statement commits with its count (transactional DDL): the
        #: statement after the counted ones was not done.
        self.atomic = atomic
        #: ``before_statement(what)`` runs before every statement this run
        #: sends (the lock's fence); raising there stops the run.
        self.before_statement = before_statement or (lambda what: None)
        #: ``migrate.online.Online`` of an online run, or None.
        self.online = online
        self.resume_key = None
        self.revision = None
        self.steps = 0
        self.created = False
        self.skipped = []
        self.resume_at = None
        self.script = script
        self._last_done = None   # the last DDL statement a resume skipped
        found = read(conn)
        self.missing = found.missing if found is not None else ()
        if found is None:
            self.interrupted = None
            return
        self.created = True
        applied = _applied_ids(script, current)
        if found.revision in applied:
            # The revision ended and was recorded; only the bookkeeping after
            # it was cut short.
            self.interrupted = None
        elif plan and found.revision == plan[0]:
            self.interrupted = found
            now = digest(script, found.revision)
            if found.digest is not None and found.digest != now:
                raise errors.OperationFailed(
                    'cannot resume revision %s: its file changed since the interrupted '
                    'run (%s, was %s); put back the file that run used, or restore the '
                    'backup taken before the upgrade' % (
                        found.revision, script.get_revision(found.revision).path,
                        'digest %s, now %s' % (found.digest, now)))
        else:
            raise errors.OperationFailed(
                'table %s says revision %s was interrupted, but the database is '
                'at %s: restore the backup taken before the upgrade'
                % (TABLE, found.revision, ', '.join(current) or 'base'))

    def install(self, migration_context):
        impl = migration_context.impl
        original = impl._exec
        version_table = migration_context.version_table

        def _exec(construct, execution_options=None, multiparams=None, **kw):
            # A revision that reflected the schema left its mark on the connection.
            resume.errors_classified(self.conn)
            table = getattr(construct, 'table', None)
            if self.revision is None or getattr(table, 'name', None) == version_table:
                if self.resume_at is not None:
                    if not self.atomic:
                        self._verify_counted(self.resume_at, None)
                    LOG.warning('resuming revision %s: all its %d statement(s) were done',
                                self.revision, self.resume_at)
                    self.resume_at = None
                self.before_statement('recording revision %s' % self.revision)
                return original(construct, execution_options, multiparams, **kw)
            step = self.steps
            self.steps += 1
            if self.resume_at is not None and step < self.resume_at:
                self.skipped.append(resume.short_sql(construct, self.conn.dialect))
                if not is_data(construct):
                    self._last_done = (construct, execution_options)
                return None
            if self.resume_at is not None and step == self.resume_at:
                self.resume_at = None
                done = not self.atomic and not is_data(construct) and \
                    resume.state(self.conn, construct, execution_options) == resume.AFTER
                if not self.atomic:
                    self._verify_counted(step, construct if done else None)
                LOG.warning('resuming revision %s after its %d recorded statement(s); '
                            'the next one was %s: %s', self.revision, step,
                            'already done' if done else 'not done',
                            resume.short_sql(construct, self.conn.dialect))
                if done:
                    self.skipped.append(resume.short_sql(construct, self.conn.dialect))
                    self._count(step + 1)
                    return None
            if self.online is None:
                self.before_statement('statement %d of revision %s' % (step + 1, self.revision))
                result = original(construct, execution_options, multiparams, **kw)
            else:
                resume_key, self.resume_key = self.resume_key, None
                result = self.online.execute(
                    construct, lambda c: original(c, execution_options, multiparams, **kw),
                    lambda what: self.before_statement('%s (statement %d of revision %s)'
                                                       % (what, step + 1, self.revision)),
                    record=self._record_batch, resume_key=resume_key)
            self._count(step + 1)
            return result
        impl._exec = _exec
        original_create_table = impl.create_table

        def create_table(table, **kw):
            # A table's indexes are a set, created in a different order by
            # each process: steps are counted, so fix the order.
            table.indexes = sa.util.OrderedSet(sorted(table.indexes, key=lambda i: i.name or ''))
            return original_create_table(table, **kw)
        impl.create_table = create_table

    def _verify_counted(self, counted, next_done):
        """The record says ``counted`` statements are done: the last DDL
        statement among them must have taken effect, or the record does not
        describe this database (restored from a dump since, say), and
        skipping what it counts would skip work never done. ``next_done`` is
        the statement after them if it took effect too (it may have changed
        the same table again)."""
        last, self._last_done = self._last_done, None
        if last is None:
            return
        construct, options = last
        table = resume.table_of(construct, options)
        if table is None or (next_done is not None and
                             resume.table_of(next_done) in (None, table)):
            return
        if resume.state(self.conn, construct, options) != resume.AFTER:
            raise errors.OperationFailed(
                'cannot resume revision %s: table %s says its first %d statement(s) are '
                'done, but %s has not taken effect (was the database restored from a '
                'backup since?); if it was, drop table %s and run upgrade again, '
                'otherwise restore the backup taken before the upgrade'
                % (self.revision, TABLE, counted,
                   resume.short_sql(construct, self.conn.dialect), TABLE))

    def _count(self, steps_done):
        try:
            self.conn.execute(sa.text('UPDATE %s SET steps_done = :n, batch_key = NULL'
                                      % TABLE), {'n': steps_done})
        except sa.exc.DBAPIError:
            # A run paused past its lease finds the record gone when the run
            # that took the lock over has finished: the fence says that.
            self.before_statement('recording statement %d of revision %s'
                                  % (steps_done, self.revision))
            raise

    def _record_batch(self, key):
        """Commits with the batch it follows."""
        self.conn.execute(sa.text('UPDATE %s SET batch_key = :k' % TABLE),
                          {'k': json.dumps(list(key))})

    def start(self, revision: str | None) -> None:
        """Revision ``revision`` is about to start."""
        self.revision, self.steps = revision, 0
        if self.interrupted is not None and self.interrupted.revision == revision:
            self.resume_at = self.interrupted.steps_done
            self.resume_key = self.interrupted.batch_key
            self.interrupted = None
            return
        self.resume_at = None
        mark = {'r': revision, 'd': digest(self.script, revision)}
        for column in self.missing:
            self.conn.execute(sa.text('ALTER TABLE %s ADD COLUMN %s %s'
                                      % (TABLE, column, _LATER_COLUMNS[column])))
        self.missing = ()
        if not self.created:
            # A primary key, as Galera and sql_require_primary_key want.
            self.conn.execute(sa.text(
                'CREATE TABLE IF NOT EXISTS %s (id INTEGER NOT NULL PRIMARY KEY, '
                'revision VARCHAR(64) NOT NULL, steps_done INTEGER NOT NULL, '
                'digest CHAR(16) NULL, batch_key VARCHAR(512) NULL)' % TABLE))
            self.conn.execute(sa.text('DELETE FROM %s' % TABLE))
            self.conn.execute(sa.text('INSERT INTO %s (id, revision, steps_done, digest) '
                                      'VALUES (1, :r, 0, :d)' % TABLE), mark)
            self.created = True
        else:
            self.conn.execute(sa.text('UPDATE %s SET revision = :r, steps_done = 0, '
                                      'digest = :d, batch_key = NULL' % TABLE), mark)
        # Uncommitted until the revision's first DDL (or its end): a crash
        # before that leaves the previous revision's record, which names a
        # revision already applied, so the rerun starts this one afresh.

    def finish(self) -> None:
        """Every planned revision is applied and recorded: drop the record."""
        self.revision = None
        if self.created:
            self.before_statement('the end of the run')
            self.conn.execute(sa.text('DROP TABLE IF EXISTS %s' % TABLE))
            if self.atomic:
                self.conn.commit()
            self.created = False


def discard(conn) -> None:
    """Forget an interrupted run: ``stamp`` declares the revision itself."""
    conn.execute(sa.text('DROP TABLE IF EXISTS %s' % TABLE))


def _applied_ids(script, current):
    if not current:
        return set()
    return {r.revision for r in script.iterate_revisions(current[0], 'base')}
