"""Fresh installs in one step: the head schema from a per-dialect baseline.

A baseline is the dump of a database the chain itself migrated from empty
to head: its DDL exactly as the server reports it and every row the chain
seeded, ``alembic_version`` included. It lives beside the chain
(``<service package>/baseline/<dialect>.sql``) and names the head it was
made at and a digest of the revision files; when either differs from the
chain's, it is ignored and the chain replayed. That check needs only the
revision files read as text (``candidate``), so a fresh install loads
Alembic only when the chain must run. Regenerate the baselines after adding
a revision with ``tools/baselines.py`` (it needs ``pg_dump`` and the test
servers). The default test suite proves, per service and dialect, that the
result is identical to replaying the chain.

Seed values the chain takes from the clock at install time (``now``) are
written as the same expression, so a baseline install stamps its own time.

A baseline install follows the database as the chain does: MySQL tables
take the database's default character set and collation (the baseline
leaves out the clauses that only restated the generating database's
default), and PostgreSQL objects go to the current schema, the first of
the session's ``search_path`` (the baseline names no schema).

Crash safety: PostgreSQL and SQLite run the whole script in one transaction.
MySQL commits each DDL statement, so a marker table is created first and
dropped last; its comment names the head being installed. A run that finds
the marker without a version row (the baseline's last statement) drops what
the interrupted run created and starts again.
"""
from __future__ import annotations

import pathlib

import typing

import dataclasses
import hashlib
import re

from dbmanage import chain
from dbmanage import dialects
from dbmanage import errors
from dbmanage.db import driver
from dbmanage.db import urls
from dbmanage.db import versions

if typing.TYPE_CHECKING:
    from dbmanage.db.link import Link
    from dbmanage.services import Service

MARKER = 'dbmanage_baseline_in_progress'
_HEADER = '-- dbmanage baseline: service=%s dialect=%s head=%s chain=%s\n'
_END = '\n-- ;\n'   # ends every statement: seed text never holds this line

def path(service: Service, dialect) -> pathlib.Path:
    return service.folder / 'baseline' / ('%s.sql' % dialect)


def read(service: Service, dialect):
    """The statements of the service's baseline for ``dialect``, or None.

    None when there is no baseline or it was made at another head than the
    chain's (then the chain is replayed).
    """
    found = path(service, dialect)
    if not found.exists():
        return None
    text = found.read_text(encoding='utf-8')
    heads = chain.load(service).heads
    if len(heads) != 1 or not text.startswith(_header(service, dialect, heads[0])):
        return None
    return [s for s in (part.strip() for part in text.split(_END)[1:]) if s]


def _header(service, dialect, head):
    """Names the chain a baseline was made from: its head and a digest of
    every revision file, so an edited revision makes it stale too."""
    digest = hashlib.sha256()
    for source in sorted(service.versions_dir.glob('*.py')):
        digest.update(source.name.encode() + b'\0' + source.read_bytes() + b'\0')
    return _HEADER % (service.name, dialect, head, digest.hexdigest()[:16])


def _all_tables(link):
    return [row[0] for row in driver.query(link.dbapi, link.dialect.list_tables)]


def _tables(link):
    """The service's tables: dbmanage's own (``dbmanage_*``: the lock on
    Galera, the progress record, this marker) exist only while a run holds
    the lock, and are neither the service's nor ours to drop here."""
    return [name for name in _all_tables(link) if not name.startswith('dbmanage_')]


def _heads(link):
    if 'alembic_version' not in _tables(link):
        return []
    return sorted(row[0] for row in driver.query(link.dbapi, versions.QUERY))


def marker(head: str) -> str:
    """The MySQL statement that opens a baseline install of ``head``.

    The head is in the table's definition, which commits with the table:
    the marker may outlive its install for any time (the run killed just
    before dropping it), and by then the chain may have a newer head.
    """
    return "CREATE TABLE `%s` (started DATETIME) COMMENT='head=%s'" % (MARKER, head)


def _marked_head(conn):
    """None without a marker; else the head it names ('' for a marker of
    an earlier version, which names none)."""
    rows = driver.query(conn, "SELECT TABLE_COMMENT FROM information_schema.TABLES "
                              "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%s'" % MARKER)
    if not rows:
        return None
    found = re.fullmatch(r'head=(\S+)', rows[0][0] or '')
    return found.group(1) if found else ''


def recover(link: Link, service: Service) -> None:
    """Finish or undo a MySQL baseline that was interrupted.

    The marker table exists from the baseline's first statement to its
    last, and the version row is the last statement before it goes. With
    the version row, the install completed (the service may have used the
    database since) and only the marker goes. Without it, the database
    holds part of a baseline on what was an empty database, and all of it
    is dropped, so the run installs again. A version row other than the
    head the marker names was written by someone else: nothing is touched.
    """
    if link.dialect.transactional_ddl:
        return
    conn = link.dbapi
    marked = _marked_head(conn)
    if marked is not None:
        heads = _heads(link)
        if marked and heads and heads != [marked]:
            raise errors.OperationFailed(
                'the database is at %s, but the table %s says a baseline install of %s '
                'was interrupted; check the database, then drop that table'
                % (', '.join(heads), MARKER, marked))
        if not heads:
            driver.execute(conn, 'SET FOREIGN_KEY_CHECKS=0')
            for table in _tables(link):
                driver.execute(conn, 'DROP TABLE `%s`' % table)
            driver.execute(conn, 'SET FOREIGN_KEY_CHECKS=1')
        driver.execute(conn, 'DROP TABLE `%s`' % MARKER)
    conn.commit()


def install(link: Link, statements: list[str], head: str, before_statement=None):
    """Run the baseline of ``head`` on the empty database behind ``link``
    (no transaction open). On MySQL ``before_statement(what)`` runs before
    each statement (the Galera lock's fence)."""
    raw_conn = link.dbapi
    cursor = raw_conn.cursor()
    if not link.dialect.transactional_ddl:
        # DDL commits at once here: the marker brackets the whole run, and
        # the version row comes last (see ``recover``).
        fence = before_statement or (lambda what: None)
        stamp = [s for s in statements if s.startswith('INSERT INTO `alembic_version`')]
        cursor.execute(marker(head))
        for number, statement in enumerate([s for s in statements if s not in stamp] + stamp):
            fence('statement %d of the baseline' % (number + 1))
            cursor.execute(statement)
        raw_conn.commit()
        cursor.execute('DROP TABLE `%s`' % MARKER)
    else:
        link.dialect.begin(raw_conn)
        try:
            for statement in statements:
                cursor.execute(statement)
        except BaseException:
            raw_conn.rollback()
            raise
        raw_conn.commit()
    cursor.close()


@dataclasses.dataclass
class Fresh:
    """A baseline install to take if the database is empty under the lock.

    Decided from the chain's text alone (``chain.load``): the baseline
    names a digest of every revision file, so a baseline that applies is
    one Alembic loaded the same files for, and a fresh install to head
    needs neither Alembic's script directory nor Alembic itself.
    """
    found: object        # chain.Chain
    dialect: str
    statements: list

    @property
    def heads(self):
        return list(self.found.heads)

    @property
    def plan(self):
        """Every revision, oldest first."""
        return list(reversed(self.found.ordered))

    def applies(self, link: Link):
        """True if the database behind ``link`` is of this baseline's dialect
        and empty, or holds a baseline that was interrupted (which
        ``recover`` drops, under the lock)."""
        if link.dialect.name != self.dialect:
            return False
        names = _all_tables(link)
        link.dbapi.commit()   # the look's; the install manages its own
        return MARKER in names or all(n.startswith('dbmanage_') for n in names)

    def install(self, link: Link, on_applied, before_statement=None):
        """Run the baseline (holding the lock); return the revision(s) it recorded."""
        from dbmanage.result import Applied
        install(link, self.statements, self.heads[0], before_statement)
        for rev in self.plan:
            on_applied(Applied(revision=rev.revision, down_revision=rev.down_revision,
                               description=rev.description, duration=0.0))
        recorded = _heads(link)
        link.dbapi.commit()
        return recorded


def candidate(service: Service, url: str, target) -> Fresh | None:
    """The Fresh install an upgrade to ``target`` takes on an empty
    database, or None when only Alembic can decide (a target below head or
    relative, a chain the text reader does not model, no baseline for the
    URL's dialect, or a stale one)."""
    found = chain.load(service)
    if not found.linear:
        return None
    if target not in ('head', 'heads'):
        try:
            if not found.get(target).is_head:
                return None
        except (chain.AlembicNeeded, errors.UsageError):
            return None   # Alembic resolves it, or words the error
    try:
        dialect = dialects.named(urls.split(url).backend).name
    except errors.UsageError:
        return None       # reported where the engine is made, as before
    statements = read(service, dialect)
    if not statements:
        return None
    return Fresh(found, dialect, statements)
