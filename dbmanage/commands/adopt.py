"""``adopt``: record the revision of a database made without the migration tool.

A service started before ``upgrade head`` creates its tables from its own
models, with no ``alembic_version``. When the live schema equals the one
the chain gives at some revisions, ``adopt --confirm`` inserts the rows the
chain seeds at the newest of them and stamps it; the chain then upgrades
it as any other database. A schema that matches no revision is refused,
with the differences from the closest one.
"""
from __future__ import annotations

import typing

import datetime

from dbmanage import errors
from dbmanage.commands import reading
from dbmanage.commands import spec
from dbmanage.commands import text
from dbmanage.commands import writing

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result


def adopt(ctx: Context, result: Result, confirm: bool = False) -> None:
    from dbmanage import schema
    from dbmanage.migrate import runner
    reading.load_chain(ctx, result)
    dialect = ctx.database.dialect.name

    def once():
        with writing.locked(ctx, result) as (conn, _, hold):
            result.revision_before = result.revision_after = runner.current_heads(conn)
            if result.revision_before:
                raise errors.UsageError('the database is at %s already: nothing to adopt '
                                        '(verify compares it with its revision)'
                                        % ', '.join(result.revision_before))
            live = schema.reflect(conn)
            if not live.tables:
                raise errors.UsageError('the database is empty: run upgrade head')
            matches = schema.matching(live, ctx.service.name, dialect)
            if not matches:
                closest, found = schema.closest(live, ctx.service.name, dialect)
                result.details.update(closest=closest,
                                      differences=[d.to_dict() for d in found])
                raise errors.Drifted(
                    'the database matches no revision, nothing was changed: the closest is '
                    '%s, with %d difference(s), first %s' % (closest, len(found), found[0]))
            target = matches[-1]
            result.details['matching'] = matches
            wanted = schema.expected(ctx.service.name, dialect, target)
            live = schema.reflect(conn, rows=sorted(wanted.rows))
            missing = schema.missing_rows(live, wanted)
            if not confirm:
                raise errors.UsageError(
                    'the database matches %s: add --confirm to record it as %s%s'
                    % (', '.join(matches), target, ' and insert the %d row(s) the chain seeds'
                       % sum(map(len, missing.values())) if missing else ''))
            result.details['seeded'] = _insert(conn, wanted, missing)
            hold.verify('adopting the database as %s' % target)
            runner.stamp(conn, ctx.service, target)
            result.revision_after = runner.current_heads(conn)
            result.details['adopted'] = target
    writing.retried(ctx, once)


def _parents_first(schema, names):
    """``names`` ordered so that a table comes after those its keys refer to."""
    ordered, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        for key in schema.tables[name].foreign_keys:
            if key.referred_table in names and key.referred_table != name:
                visit(key.referred_table)
        ordered.append(name)
    for name in sorted(names):
        visit(name)
    return ordered


def _insert(conn, schema, missing):
    """Insert seeded rows, parents first; a stamp that differs on every
    install is now."""
    import sqlalchemy as sa
    from dbmanage.schema import model
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
    counts = {}
    for table in _parents_first(schema, set(missing)):
        rows = missing[table]
        values = [{k: now if v is model.ANY else v for k, v in row.items()} for row in rows]
        conn.execute(sa.table(table, *map(sa.column, values[0])).insert(), values)
        counts[table] = len(values)
    return counts


def render(result: Result, verbose: bool) -> str:
    seeded = result.details.get('seeded') or {}
    return 'Adopted: the database is recorded as %s%s' % (
        text.revisions(result.revision_after, result.heads),
        ' (inserted %d seeded row(s))' % sum(seeded.values()) if seeded else '')


COMMAND = spec.Command(
    'adopt', 'record the revision of a database the service created itself', adopt,
    writes=True, version='1.4', render=render,
    args=(spec.Arg('confirm', bool, False, flags=('--confirm',),
                   help='record it (without --confirm, only say which revision it matches)'),))
