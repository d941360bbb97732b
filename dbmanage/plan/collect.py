"""The operations pending revisions will run, recorded without a database.

Alembic renders the pending range offline (``--sql`` mode) for the
database's dialect; a ``Recorder`` wrapped around that run's migration impl
notes every schema or data call a revision makes (kind, table, details and
the SQL it renders). Revisions never reflect the live database, so the
offline run sees exactly the operations an online one would.

The same Recorder also wraps online runs (the proofs against the servers use
that): ``current`` is the operation whose statements are executing.
"""
from __future__ import annotations

import typing

import contextlib
import dataclasses
import io
import re
import time
import weakref

from sqlalchemy import schema as sa_schema

from dbmanage import dialects
from dbmanage import errors
from dbmanage.chain import scripts
from dbmanage.migrate import runner

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.services import Service

#: Impl methods a revision's operations end in.
KINDS = ('create_table', 'drop_table', 'rename_table', 'add_column',
         'drop_column', 'alter_column', 'add_constraint', 'drop_constraint',
         'create_index', 'drop_index', 'bulk_insert', 'execute')


@dataclasses.dataclass
class Operation:
    revision: str
    kind: str
    table: str
    details: dict
    sql: list = dataclasses.field(default_factory=list)
    #: SQLite only: the batch around this operation copies the table.
    rebuild: bool = False
    #: Wall time, in online runs.
    seconds: float = 0.0


def _type(type_, dialect):
    if type_ is None:
        return None
    try:
        return type_.compile(dialect=dialect)
    except Exception:
        return repr(type_)


def _constraint_kind(const):
    name = type(const).__name__
    return {'ForeignKeyConstraint': 'foreign_key', 'UniqueConstraint': 'unique',
            'PrimaryKeyConstraint': 'primary_key',
            'CheckConstraint': 'check'}.get(name, name.lower())


def _columns(const):
    with contextlib.suppress(Exception):
        return [c.name for c in const.columns]
    return []


_DML = re.compile(r'^\s*(UPDATE|INSERT\s+INTO|DELETE\s+FROM|ALTER\s+TABLE|'
                  r'CREATE\s+(?:UNIQUE\s+)?INDEX\s+\S+\s+ON|DROP\s+TABLE)\s+'
                  r'[`"]?(\w+)', re.I)


def _execute_target(sql, dialect):
    table = getattr(getattr(sql, 'table', None), 'name', None)
    text = sql if isinstance(sql, str) else str(
        sql.compile(dialect=dialect, compile_kwargs={'literal_binds': True}))
    match = _DML.match(text)
    verb = match.group(1).split()[0].upper() if match else text.split(None, 1)[0].upper()
    return table or (match.group(2) if match else ''), verb


def _details(kind, args, kw, dialect):
    """(table, details) of one impl call."""
    if kind in ('create_table', 'drop_table'):
        table = args[0]
        if kind == 'drop_table':
            return table.name, {}
        return table.name, {
            'column_types': [(c.name, _type(c.type, dialect), bool(c.nullable))
                             for c in table.columns],
            'primary_key': [c.name for c in table.primary_key.columns],
            'indexed': [[c.name for c in i.columns] for i in (
                *table.indexes, *table.constraints) if not isinstance(
                    i, sa_schema.CheckConstraint)]}
    if kind == 'rename_table':
        return args[0], {'new_name': str(args[1])}
    if kind in ('add_column', 'drop_column'):
        column = args[1]
        details = {'column': column.name}
        if kind == 'add_column':
            details.update(type=_type(column.type, dialect), nullable=column.nullable,
                           server_default=column.server_default is not None,
                           foreign_key=bool(column.foreign_keys),
                           primary_key=column.primary_key)
        return args[0], details
    if kind == 'alter_column':
        details = {'column': args[1]}
        if kw.get('type_') is not None:
            details['type'] = _type(kw['type_'], dialect)
        if kw.get('existing_type') is not None:
            details['existing_type'] = _type(kw['existing_type'], dialect)
        if kw.get('nullable') is not None:
            details['nullable'] = kw['nullable']
        if kw.get('existing_nullable') is not None:
            details['existing_nullable'] = kw['existing_nullable']
        if kw.get('server_default') is not False:
            details['server_default'] = kw['server_default'] is not None
        if kw.get('name') and kw['name'] != args[1]:
            details['new_name'] = kw['name']
        return args[0], details
    if kind in ('add_constraint', 'drop_constraint'):
        const = args[0]
        details = {'constraint': const.name, 'type': _constraint_kind(const),
                   'columns': _columns(const)}
        table = getattr(const, 'table', None)
        return (table.name if table is not None else ''), details
    if kind in ('create_index', 'drop_index'):
        index = args[0]
        columns = [getattr(c, 'name', str(c)) for c in index.expressions]
        return index.table.name if index.table is not None else '', {
            'index': index.name, 'unique': bool(index.unique),
            'columns': columns if kind == 'create_index' else []}
    if kind == 'bulk_insert':
        return args[0].name, {'rows': len(args[1])}
    table, verb = _execute_target(args[0], dialect)
    return table, {'statement': verb}


class Recorder:
    """Wraps one migration impl; records every operation run through it."""

    def __init__(self):
        self.operations = []
        self.current = None
        self.pending = []
        self._depth = 0
        self._rebuild = 0      # operations left in a batch that rebuilds
        self.impl = None

    def configured(self, migration_context):
        impl = self.impl = migration_context.impl
        for kind in KINDS:
            setattr(impl, kind, self._wrap(kind, getattr(impl, kind)))
        static_output = impl.static_output

        def output(text: str):
            if self.current is not None and text.strip():
                self.current.sql.append(text.strip().rstrip(';'))
            static_output(text)
        impl.static_output = output
        if dialects.named(impl.dialect.name).batch_recreates and migration_context.as_sql:
            _OFFLINE_BATCHES[impl] = self
            _patch_batch()

    def batch_recreates(self, batch_op, recreates):
        # Offline, a batch that rebuilds its table would have to reflect
        # it; record the rebuild and let the batch's operations run one by
        # one instead, which renders and records each of them.
        if recreates:
            self._rebuild = len(batch_op.batch)
        return False

    def _wrap(self, kind, method):
        def call(*args, **kw):
            if self._depth:
                return method(*args, **kw)
            table, details = _details(kind, args, kw, self.impl.dialect)
            op = Operation(revision='', kind=kind, table=table, details=details,
                           rebuild=self._rebuild > 0)
            self._rebuild = max(0, self._rebuild - 1)
            self.pending.append(op)
            self.current, self._depth = op, 1
            started = time.perf_counter()
            try:
                return method(*args, **kw)
            except NotImplementedError:
                # SQLite cannot ALTER constraints by itself; the rebuild
                # recorded above is what really happens.
                if not op.rebuild:
                    raise
            finally:
                op.seconds = time.perf_counter() - started
                self.current, self._depth = None, 0
        return call

    def applied(self, ctx: Context, step, heads, run_args):
        """on_version_apply: the operations so far belong to ``step``."""
        for op in self.pending:
            op.revision = step.up_revision_id
        self.operations += self.pending
        self.pending = []


#: Offline SQLite runs being recorded, by their impl.
_OFFLINE_BATCHES = weakref.WeakKeyDictionary()


def _patch_batch():
    """Let a recorded offline SQLite run decide its batches; others unchanged."""
    from alembic.operations.batch import BatchOperationsImpl
    original = BatchOperationsImpl._should_recreate
    if getattr(original, 'recorded', False):
        return

    def should_recreate(batch_op):
        recreates = original(batch_op)
        recorder = _OFFLINE_BATCHES.get(batch_op.operations.impl)
        return recorder.batch_recreates(batch_op, recreates) if recorder else recreates
    should_recreate.recorded = True
    BatchOperationsImpl._should_recreate = should_recreate


def pending(service: Service, dialect, current: list[str], target):
    """Operations the revisions from ``current`` (exclusive) to ``target`` run.

    ``dialect`` names the database's dialect; returns a list of Operation,
    oldest revision first.
    """
    recorder = Recorder()
    start = current[0] if current else 'base'
    cfg = scripts.alembic_config(service, output=io.StringIO(),
                                 url='%s://' % dialect,
                                 on_configured=recorder.configured,
                                 on_version_apply=recorder.applied)
    try:
        runner.alembic(service, cfg, 'upgrade', '%s:%s' % (start, target), sql=True)
    except scripts.alembic_errors() as exc:
        raise errors.UsageError(str(exc).splitlines()[0])
    return recorder.operations


def run_online(conn, service: Service, target, recorder):
    """Upgrade ``conn`` to ``target`` with ``recorder`` watching every operation."""
    cfg = scripts.alembic_config(service, connection=conn,
                                 on_configured=recorder.configured,
                                 on_version_apply=recorder.applied)
    runner.settle(conn)
    runner.alembic(service, cfg, 'upgrade', target)
