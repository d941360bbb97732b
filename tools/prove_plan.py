"""Check the plan's claims against a real server, revision by revision.

On a scratch database, each revision is first planned (as ``plan`` would,
from the live state) and then run online with every operation's statements
watched:

* MariaDB: each ALTER is run with the claimed ``ALGORITHM=…, LOCK=…``
  forced (the server must accept it); before that, the next cheaper
  algorithm, and ``LOCK=NONE`` where writes are claimed to wait, must be
  refused, and the refused attempt must leave the table as it was.
* PostgreSQL: after each statement, the strongest lock the session holds on
  the table must be the claimed one (or the one it held already, if
  stronger), and the table's relfilenode must change exactly when a rewrite
  is claimed.
* SQLite: the tables claimed rebuilt by a revision are exactly those its
  batches copy into a temporary table.

A development tool, run by the test suite (tests/test_plan_proof.py); run
it by hand on any server: ``.venv/bin/python tools/prove_plan.py SERVICE URL``
walks the whole chain from base on an empty database at URL and prints one
line per contradiction (none expected) and a count.
"""
import dataclasses
import pathlib
import re
import sys
import time

from sqlalchemy import event

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from dbmanage import chain  # noqa: E402
from dbmanage import services  # noqa: E402
from dbmanage.chain import scripts  # noqa: E402
from dbmanage.db import database  # noqa: E402
from dbmanage.dialects.mysql.plan import ALGORITHMS  # noqa: E402
from dbmanage.dialects.postgresql.plan import LOCKS as PG_LOCKS  # noqa: E402
from dbmanage.migrate import runner  # noqa: E402
from dbmanage.plan import build  # noqa: E402
from dbmanage.plan import collect  # noqa: E402

#: MariaDB's answer to an ALGORITHM or LOCK it cannot honour.
_REFUSED = (1845, 1846)
_PG_MODES = {m.title().replace(' ', '') + 'Lock': m for m in PG_LOCKS}


@dataclasses.dataclass
class Report:
    checked: int = 0          # operations whose claim was tested
    observed: int = 0         # claim seen directly (forced, or a lock not masked)
    contradictions: list = dataclasses.field(default_factory=list)
    kinds: set = dataclasses.field(default_factory=set)
    forced: list = dataclasses.field(default_factory=list)
    seconds: float = 0.0


def _as_alter(statement):
    """CREATE/DROP INDEX as the equivalent ALTER TABLE, which takes ALGORITHM=."""
    text = statement.strip().rstrip(';')
    match = re.match(r'CREATE\s+(UNIQUE\s+)?INDEX\s+(\S+)\s+ON\s+(\S+)\s*(\(.*\))$',
                     text, re.I | re.S)
    if match:
        return 'ALTER TABLE %s ADD %sINDEX %s %s' % (
            match.group(3), 'UNIQUE ' if match.group(1) else '', match.group(2),
            match.group(4))
    match = re.match(r'DROP\s+INDEX\s+(\S+)\s+ON\s+(\S+)$', text, re.I)
    if match:
        return 'ALTER TABLE %s DROP INDEX %s' % (match.group(2), match.group(1))
    return text if re.match(r'ALTER\s+TABLE\s', text, re.I) else None


class _Watcher:
    """Statement hooks that test the current operation's claim."""

    def __init__(self, recorder, report, dialect):
        self.recorder, self.report, self.dialect = recorder, report, dialect
        self.claims = []         # claims of the running revision, in order
        self.seen = {}           # id(op) -> its claim
        self.state = {}

    def claim(self, op):
        if id(op) not in self.seen:
            index = len(self.seen)
            if index >= len(self.claims):
                self.fail(op, 'ran an operation the plan did not list')
                self.seen[id(op)] = None
                return None
            planned = self.claims[index]
            if (planned['kind'], planned['table']) != (op.kind, op.table):
                self.fail(op, 'the plan listed %s %s here' % (planned['kind'],
                                                              planned['table']))
            self.seen[id(op)] = planned
            self.report.checked += 1
            self.report.kinds.add(op.kind)
        return self.seen[id(op)]

    def fail(self, op, text):
        self.report.contradictions.append('%s %s %s: %s' % (op.revision or '?', op.kind,
                                                            op.table, text))

    # -- MariaDB -------------------------------------------------------------
    def mysql_before(self, conn, cursor, statement, parameters, context, executemany):
        op = self.recorder.current
        claim = op and self.claim(op)
        if not claim or not claim.get('algorithm'):
            return statement, parameters
        alter = _as_alter(statement)
        if alter is None:
            return statement, parameters
        algorithm, lock = claim['algorithm'], claim['lock']
        before = self._show(cursor, op.table)
        probes = []
        position = ALGORITHMS.index(algorithm)
        if position:
            probes.append('ALGORITHM=%s' % ALGORITHMS[position - 1])
        if lock != 'NONE':
            probes.append('ALGORITHM=%s, LOCK=NONE' % algorithm)
        for probe in probes:
            try:
                cursor.execute('%s, %s' % (alter, probe))
            except Exception as exc:
                if not exc.args or exc.args[0] not in _REFUSED:
                    raise
            else:
                self.fail(op, 'the server accepted %s (claimed %s, LOCK=%s)'
                          % (probe, algorithm, lock))
                raise RuntimeError('claim contradicted: %s' % self.report.contradictions[-1])
        if self._show(cursor, op.table) != before:
            self.fail(op, 'a refused attempt changed the table')
        self.report.observed += 1
        self.report.forced.append('%s %s %s ALGORITHM=%s LOCK=%s' % (
            op.revision or '?', op.kind, op.table, algorithm, lock))
        return '%s, ALGORITHM=%s, LOCK=%s' % (alter, algorithm, lock), parameters

    @staticmethod
    def _show(cursor, table):
        cursor.execute('SHOW CREATE TABLE `%s`' % table)
        return cursor.fetchall()

    # -- PostgreSQL ----------------------------------------------------------
    def _pg(self, conn, sql, *args):
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql, args)
            return cursor.fetchall()
        finally:
            cursor.close()

    def pg_before(self, conn, cursor, statement, parameters, context, executemany):
        op = self.recorder.current
        if op is None or not op.table or not self.claim(op):
            return
        if id(op) not in self.state:
            found = self._pg(conn, 'SELECT oid, relfilenode FROM pg_class '
                                   'WHERE oid = to_regclass(%s)', op.table)
            oid, node = found[0] if found else (None, None)
            self.state[id(op)] = {'oid': oid, 'node': node,
                                  'held': self._held(conn, oid)}

    def _held(self, conn, oid):
        if oid is None:
            return None
        modes = [_PG_MODES[m] for (m,) in self._pg(
            conn, 'SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() '
                  "AND locktype = 'relation' AND relation = %s AND granted", oid)]
        return max(modes, key=PG_LOCKS.index) if modes else None

    def pg_after(self, conn, cursor, statement, parameters, context, executemany):
        op = self.recorder.current
        state = op and self.state.get(id(op))
        if not state:
            return
        claim = self.seen[id(op)]
        oid = state['oid']
        if oid is None:
            found = self._pg(conn, 'SELECT oid FROM pg_class WHERE oid = to_regclass(%s)',
                             op.table)
            oid = state['oid'] = found[0][0] if found else None
        held = self._held(conn, oid)
        if oid is None and claim['lock'] is None:
            return      # no such table: nothing to lock, as claimed
        expected = max(filter(None, (state['held'], claim['lock'])), key=PG_LOCKS.index,
                       default=None)
        if held != expected:
            self.fail(op, 'holds %s, claimed %s' % (held, claim['lock']))
        elif state['held'] is None or (PG_LOCKS.index(claim['lock'])
                                       >= PG_LOCKS.index(state['held'])):
            state['observed'] = True
        if state['node'] is not None:
            found = self._pg(conn, 'SELECT relfilenode FROM pg_class WHERE oid = %s', oid)
            node = found[0][0] if found else None
            if node is not None and (node != state['node']) != bool(claim['rewrite']):
                self.fail(op, 'relfilenode %s -> %s, claimed rewrite=%s'
                          % (state['node'], node, claim['rewrite']))

    # -- SQLite --------------------------------------------------------------
    # Online, a rebuilding batch runs as create/copy/drop/rename of a
    # temporary table rather than as the operations the plan lists, so the
    # claim is checked per revision: the tables claimed rebuilt are exactly
    # those copied into an ``_alembic_tmp_`` table.
    def sqlite_before(self, conn, cursor, statement, parameters, context, executemany):
        match = re.match(r'\s*CREATE TABLE "?_alembic_tmp_(\w+?)"?\s*\(', statement)
        if match:
            self.state.setdefault('rebuilt', set()).add(match.group(1))

    def sqlite_done(self, revision):
        claimed = {c['table'] for c in self.claims if c['rebuild']}
        rebuilt = self.state.get('rebuilt', set())
        if claimed != rebuilt:
            self.report.contradictions.append('%s: claimed rebuilt %s, rebuilt %s' % (
                revision, sorted(claimed), sorted(rebuilt)))
        self.report.checked += len(self.claims)
        self.report.observed += len(rebuilt)
        self.report.kinds.update(c['kind'] for c in self.claims)

    def revision_done(self):
        self.report.observed += sum(1 for s in self.state.values()
                                    if isinstance(s, dict) and s.get('observed'))
        self.claims, self.seen, self.state = [], {}, {}


def walk(conn, service, revisions=None, report=None):
    """Plan then run each revision up to head (or only ``revisions``) on ``conn``.

    ``revisions`` (ids) limits which revisions are checked; the others run
    plainly in between. Returns a Report.
    """
    report = report or Report()
    started = time.monotonic()
    dialect = conn.dialect.name
    script = chain.script(service)
    recorder = collect.Recorder()
    watcher = _Watcher(recorder, report, dialect)
    hooks = {'mysql': [('before_cursor_execute', watcher.mysql_before, True)],
             'postgresql': [('before_cursor_execute', watcher.pg_before, False),
                            ('after_cursor_execute', watcher.pg_after, False)],
             'sqlite': [('before_cursor_execute', watcher.sqlite_before, False)]}[dialect]
    for step in scripts.pending(script, runner.current_heads(conn), 'head'):
        if revisions is not None and step.revision not in revisions:
            runner.upgrade(conn, service, step.revision)
            continue
        current = runner.current_heads(conn)
        planned = build.build(conn, service, current, [step])
        watcher.claims = [op for rev in planned['revisions'] for op in rev['operations']]
        for name, fn, retval in hooks:
            event.listen(conn, name, fn, retval=retval)
        try:
            collect.run_online(conn, service, step.revision, recorder)
        finally:
            for name, fn, retval in hooks:
                event.remove(conn, name, fn)
        if dialect == 'sqlite':
            watcher.sqlite_done(step.revision)
        elif len(watcher.seen) != len(watcher.claims):
            report.contradictions.append('%s: planned %d operations, ran %d' % (
                step.revision, len(watcher.claims), len(watcher.seen)))
        watcher.revision_done()
    report.seconds = round(time.monotonic() - started, 2)
    return report


def main(argv=None):
    service_name, url = (argv or sys.argv[1:])[:2]
    db = database.Database(url)
    with db.connected() as conn:
        report = walk(conn, services.get(service_name))
    db.dispose()
    for line in report.contradictions:
        print(line)
    print('%d operations checked (%s), %d claims observed directly, in %.1f s, '
          '%d contradicted' % (report.checked, ', '.join(sorted(report.kinds)),
                               report.observed, report.seconds, len(report.contradictions)))
    return 1 if report.contradictions else 0


if __name__ == '__main__':
    sys.exit(main())
