"""Rehearse the pending revisions on a sampled copy, on the same server.

A scratch database next to the live one gets the live schema (the chain run
from base to the live revision, which is how the live schema was made) and
a bounded sample of each table the pending work touches, plus the rows
those rows reference. The pending revisions then run there with every
operation timed; the scratch database is dropped whatever happens.

Times are scaled to the live row counts for operations whose cost grows
with the table (copies, rebuilds, index builds, scans, data changes);
metadata-only operations are counted as measured. Failures the real run
would meet are reported two ways: the rehearsal's own failure, and exact
checks on the live rows for the constraints the pending work adds (a new
unique key that existing rows violate, a NOT NULL on a column holding
NULLs), which a sample could miss.

Needs the privileges the migration needs plus creating a database.
"""
from __future__ import annotations

import typing

import contextlib
import logging
import os
import shutil
import tempfile
import time
import uuid
import warnings

import sqlalchemy as sa

from dbmanage import dialects
from dbmanage.db import database
from dbmanage.db import urls
from dbmanage.migrate import runner
from dbmanage.plan import build
from dbmanage.plan import collect

if typing.TYPE_CHECKING:
    from dbmanage.services import Service

LOG = logging.getLogger(__name__)
SAMPLE_ROWS = 10000
_BATCH = 1000


def one_line(exc: BaseException):
    # The driver's own message, without SQLAlchemy's wrapping; masked.
    return database.one_line(getattr(exc, 'orig', None) or exc)[:300]


class NoScratchDatabase(Exception):
    """The account may not create the scratch database."""


@contextlib.contextmanager
def scratch_database(url: str):
    """A new empty database on the server of ``url``; yields its URL, then drops it."""
    parsed = urls.parse(url)
    dialect = dialects.named(parsed.get_backend_name())
    name = '%s_rehearsal_%s' % ((parsed.database or 'db')[:30], uuid.uuid4().hex[:8])
    if getattr(dialect.plan, 'SCRATCH_IN_A_FILE', False):
        folder = tempfile.mkdtemp(prefix='dbmanage-rehearsal-')
        path = os.path.join(folder, name + '.sqlite')
        try:
            yield parsed.set(database=path).render_as_string(hide_password=False)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    admin = sa.create_engine(parsed, isolation_level='AUTOCOMMIT',
                             poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            dialect.plan.create_database(conn, name)
    except sa.exc.DBAPIError as exc:
        admin.dispose()
        raise NoScratchDatabase(
            'cannot create a scratch database on this server (%s): the rehearsal '
            'needs the privileges the migration needs plus creating a database'
            % one_line(exc)) from exc
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            dialect.plan.drop_database(conn, name)
        admin.dispose()


def _copy_sample(live, scratch, tables, limit):
    """Copy up to ``limit`` rows of ``tables``, and the rows they reference."""
    meta = sa.MetaData()
    meta.reflect(scratch)
    wanted = {t: None for t in tables if t in meta.tables}
    rows = {}
    for name in wanted:
        table = meta.tables[name]
        rows[name] = [dict(r._mapping) for r in live.execute(
            sa.select(table).limit(limit))]
    # Referenced rows, a few rounds deep: enough for lookup tables and parents.
    for _ in range(4):
        missing = {}
        for name, data in list(rows.items()):
            for fk in meta.tables[name].foreign_key_constraints:
                if len(fk.columns) != 1:
                    continue
                parent = fk.referred_table
                column, target = list(fk.columns)[0].name, fk.elements[0].column.name
                have = {r[target] for r in rows.get(parent.name, ())}
                need = {r[column] for r in data if r[column] is not None} - have
                if need:
                    missing.setdefault((parent.name, target), set()).update(need)
        if not missing:
            break
        for (parent, target), keys in missing.items():
            table = meta.tables[parent]
            keys = sorted(keys, key=str)
            for i in range(0, len(keys), _BATCH):
                rows.setdefault(parent, []).extend(dict(r._mapping) for r in live.execute(
                    sa.select(table).where(table.c[target].in_(keys[i:i + _BATCH]))))
    copied = {}
    with warnings.catch_warnings():
        # Tables that reference each other are copied in any order; the
        # caller has switched foreign key checks off where it can.
        warnings.simplefilter('ignore', sa.exc.SAWarning)
        ordered = meta.sorted_tables
    for table in ordered:
        data = rows.get(table.name)
        if not data:
            continue
        key = [c.name for c in table.primary_key.columns]
        if key:
            # Rows the migrations seeded (lookup tables) are there already.
            seeded = set(scratch.execute(sa.select(*table.primary_key.columns)).tuples())
            data = [r for r in data if tuple(r[k] for k in key) not in seeded]
        for i in range(0, len(data), _BATCH):
            scratch.execute(table.insert(), data[i:i + _BATCH])
        copied[table.name] = len(data)
    return copied


def _scales(op):
    """Does this operation's cost grow with the table's rows?"""
    if op['kind'] in ('execute', 'bulk_insert'):
        return True
    return bool(op.get('blocks_writes') or op.get('rewrite') or op.get('rebuild')
                or op.get('algorithm') in ('COPY', 'INPLACE', 'NOCOPY')
                or op['kind'] in ('create_index', 'add_constraint'))


def live_checks(conn, plan):
    """Exact checks on the live rows for constraints the pending work adds."""
    found = []
    existing = set(plan['tables'])
    added = set()
    quote = conn.dialect.identifier_preparer.quote
    for rev in plan['revisions']:
        for op in rev['operations']:
            d, table = op['details'], op['table']
            if op['kind'] in ('add_column', 'create_table'):
                added.add((table, d.get('column')))
            if table not in existing or op['kind'] == 'create_table':
                continue
            cols = d.get('columns') or []
            if any((table, c) in added for c in cols):
                continue
            unique = (op['kind'] == 'create_index' and d.get('unique')) or (
                op['kind'] == 'add_constraint' and d.get('type') in ('unique', 'primary_key'))
            if unique and cols:
                listed = ', '.join(quote(c) for c in cols)
                dup = conn.execute(sa.text(
                    'SELECT %s, COUNT(*) FROM %s WHERE %s GROUP BY %s HAVING COUNT(*) > 1'
                    % (listed, quote(table), ' AND '.join('%s IS NOT NULL' % quote(c)
                                                           for c in cols), listed))).first()
                if dup:
                    found.append({'revision': rev['revision'], 'table': table,
                                  'error': 'new unique key (%s) is violated by existing '
                                           'rows, e.g. %s occurs %d times'
                                           % (', '.join(cols), tuple(dup[:-1]), dup[-1])})
            if op['kind'] == 'alter_column' and d.get('nullable') is False \
                    and (table, d['column']) not in added:
                nulls = conn.execute(sa.text('SELECT COUNT(*) FROM %s WHERE %s IS NULL' % (
                    quote(table), quote(d['column'])))).scalar()
                if nulls:
                    found.append({'revision': rev['revision'], 'table': table,
                                  'error': '%s becomes NOT NULL but %d existing rows hold '
                                           'NULL' % (d['column'], nulls)})
    runner.settle(conn)
    return found


def run(db, service: Service, current: list[str], pending, plan=None,
        sample_rows: int | None = SAMPLE_ROWS):
    """Rehearse ``pending`` (``scripts.pending``'s list) of the database
    ``db``; returns a plain dict."""
    live_engine = db.engine()
    with live_engine.connect() as live:
        if plan is None:
            plan = build.build(live, service, current, pending)
        checks = live_checks(live, plan)
    report = {'sample_limit': sample_rows, 'live_checks': checks, 'failure': None}
    try:
        with scratch_database(db.url) as scratch_url:
            engine = sa.create_engine(scratch_url, poolclass=sa.pool.NullPool)
            try:
                with engine.connect() as scratch:
                    _rehearse_on(scratch, live_engine, service, current, pending,
                                 plan, sample_rows, report)
            finally:
                engine.dispose()
    except NoScratchDatabase as exc:
        report['error'] = str(exc)
    if report['failure'] is None and checks:
        report['failure'] = checks[0]
    return report


def _rehearse_on(scratch, live_engine, service, current, pending, plan, limit, report):
    if current:
        runner.upgrade(scratch, service, current[0])
    dialect = dialects.of(scratch)
    dialect.plan.foreign_key_checks(scratch, False)
    try:
        with live_engine.connect() as live:
            copied = _copy_sample(live, scratch, plan['tables'], limit)
            runner.settle(live)
    except sa.exc.DBAPIError as exc:
        report['error'] = 'cannot copy the sample: %s' % one_line(exc)
        return
    dialect.plan.foreign_key_checks(scratch, True)
    scratch.commit()
    report['sampled'] = copied
    report['sampled_rows'] = sum(copied.get(t, 0) for t in plan['tables'])
    recorder = collect.Recorder()
    started = time.monotonic()
    try:
        collect.run_online(scratch, service, pending[-1].revision, recorder)
    except Exception as exc:
        failed = (recorder.pending or [None])[-1]
        report['failure'] = {
            'revision': _failed_revision(recorder, pending),
            'operation': '%s %s' % (failed.kind, failed.table) if failed else '',
            'error': one_line(exc)}
    report['seconds'] = round(time.monotonic() - started, 3)
    report['expected_seconds'] = round(report['seconds'] + _extra(plan, recorder, copied), 3)


def _failed_revision(recorder, pending):
    done = {op.revision for op in recorder.operations}
    for rev in pending:
        if rev.revision not in done:
            return rev.revision
    return pending[-1].revision


def _extra(plan, recorder, copied):
    """Seconds the live row counts add: each scalable operation, scaled by
    live rows / sampled rows, beyond what the sample took."""
    claims = [op for rev in plan['revisions'] for op in rev['operations']]
    extra = 0.0
    for claim, op in zip(claims, recorder.operations + recorder.pending):
        live_rows = (plan['tables'].get(op.table) or {}).get('rows', 0)
        sampled = copied.get(op.table, 0)
        if sampled and live_rows > sampled and _scales(claim):
            extra += op.seconds * (live_rows / sampled - 1)
    return extra
