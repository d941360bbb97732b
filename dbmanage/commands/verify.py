"""``verify``: is this database exactly what its revision says?

It compares the live schema (tables, columns, types, nullability, defaults,
indexes, unique and foreign keys) and the rows the chain seeded with what
the chain gives at the database's recorded revision on its backend, from
the data shipped beside each chain (``dbmanage.schema``). It writes nothing.
A database without ``alembic_version`` that holds tables was not made by a
migration tool (the service created it from its models, or a restore left
the table out): it is reported as such, with the revisions it matches, for
``adopt``.
"""
from __future__ import annotations

import typing

from dbmanage import errors
from dbmanage.commands import checking
from dbmanage.commands import reading
from dbmanage.commands import spec

if typing.TYPE_CHECKING:
    from dbmanage.commands.context import Context
    from dbmanage.result import Result


def verify(ctx: Context, result: Result) -> None:
    """Exit 0 when the database is as its revision says, DRIFTED otherwise."""
    from dbmanage.migrate import runner
    reading.load_chain(ctx, result)
    with ctx.database.connected() as conn:
        result.revision_before = result.revision_after = current = runner.current_heads(conn)
        if len(current) > 1:
            raise errors.OperationFailed('the database records several revisions (%s)'
                                         % ', '.join(current))
        if current:
            found = checking.drift(ctx, conn, current[0])
            result.details.update(verified=current[0],
                                  differences=[d.to_dict() for d in found])
        else:
            found = _unmanaged(ctx, result, conn)
    if found:
        result.exit_code = errors.DRIFTED


def _unmanaged(ctx, result, conn):
    """A database without a recorded revision: empty, or made without the
    migration tool; the revisions it matches, or the closest one."""
    from dbmanage import schema
    from dbmanage.migrate import runner
    live = schema.reflect(conn)
    if not live.tables:
        result.details.update(verified=None, differences=[])
        return []
    dialect = ctx.database.dialect.name
    models_differ = runner.compare(conn, ctx.service.metadata())[0]
    matches = schema.matching(live, ctx.service.name, dialect)
    closest, found = (matches[-1], []) if matches else schema.closest(
        live, ctx.service.name, dialect)
    result.details.update(verified=None, unmanaged=True, created_from_models=not models_differ,
                          matching=matches, closest=closest,
                          differences=[d.to_dict() for d in found])
    return [True]


def render(result: Result, verbose: bool) -> str:
    details = result.details
    if details.get('unmanaged'):
        origin = ('as the service\'s own models create it' if details['created_from_models']
                  else 'not as the service\'s own models create it')
        lines = ['The database has tables but no alembic_version: it was made without the '
                 'migration tool (%s).' % origin]
        if details['matching']:
            lines.append('It matches %s exactly: adopt --confirm records it as %s.'
                         % (', '.join(details['matching']), details['closest']))
        else:
            lines.append('It matches no revision; the closest is %s:' % details['closest'])
            lines += checking.lines(result)
        return '\n'.join(lines)
    if details.get('verified') is None:
        return 'The database is empty: nothing to verify'
    found = checking.lines(result)
    if not found:
        return 'The database is exactly as %s leaves it' % details['verified']
    return '\n'.join(found + ['%d difference(s) from %s' % (len(found), details['verified'])])


COMMAND = spec.Command('verify', 'compare the live schema with its revision\'s (exit 9 '
                       'if it differs)', verify, version='1.4', render=render)
