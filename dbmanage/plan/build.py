"""The plan: pending revisions, their operations, and what each costs here.

Operations come from an offline run (``collect``), their claims from
``classify`` (following the schema from its live state through the pending
work), the table sizes from the server's statistics (``stats``). Nothing is
written to the database.
"""
from __future__ import annotations

import typing

from dbmanage import dialects
from dbmanage.chain import scripts
from dbmanage.migrate import runner
from dbmanage.plan import classify
from dbmanage.plan import collect
from dbmanage.plan import stats

if typing.TYPE_CHECKING:
    from dbmanage.services import Service

def _label(op):
    d = op.details
    name = (d.get('column') or d.get('index') or d.get('constraint') or d.get('type')
            or d.get('statement') or '')
    if op.kind == 'alter_column':
        change = [d['type']] if d.get('type') else []
        if 'nullable' in d:
            change.append('NULL' if d['nullable'] else 'NOT NULL')
        if 'server_default' in d:
            change.append('DEFAULT' if d['server_default'] else 'no DEFAULT')
        if d.get('new_name'):
            change.append('-> %s' % d['new_name'])
        name = '%s %s' % (name, ' '.join(change))
    elif op.kind == 'add_column':
        name = '%s %s%s' % (name, d['type'], '' if d['nullable'] else ' NOT NULL')
    elif op.kind == 'rename_table':
        name = '-> %s' % d['new_name']
    elif op.kind == 'bulk_insert':
        name = '%d rows' % d['rows']
    elif op.kind in ('add_constraint', 'drop_constraint'):
        name = '%s %s' % (d['type'], d['constraint'] or '(unnamed)')
    return name.strip()


def _tally(online, step, forecast):
    """Count the way, and keep the step whose writers wait longest."""
    online['ways'][forecast['way']] = online['ways'].get(forecast['way'], 0) + 1
    if not step['rows']:
        return
    rank = (2 if forecast['blocks'] else 1 if forecast['wait_s'] is None else 0,
            forecast['wait_s'] or 0)
    if rank > online.get('_rank', (-1, 0)):
        online['_rank'] = rank
        online['longest_wait'] = dict(step, writes_wait=forecast['writes_wait'])


def build(conn, service: Service, current: list[str], revisions, online=None):
    """The plan for applying ``revisions`` (``scripts.pending``'s list) on ``conn``.

    With ``online`` (``migrate.online.Settings``, not ``never``) each operation
    also says what the online upgrade does with it, and only what still makes
    writers wait counts as blocking.
    """
    dialect = dialects.of(conn)
    server = dialect.plan.server_version(conn)
    plan = {'dialect': dialect.name, 'server': server,
            'claims_hold_for': dialect.plan.claims_hold_for(server),
            'from': list(current),
            'to': revisions[-1].revision if revisions else (current or [None])[0],
            'estimates': dialect.plan.ESTIMATES,
            'revisions': [], 'tables': {}, 'blocking': [], 'breaking': [], 'failures': []}
    if online is not None and online.mode != 'never':
        plan['online'] = {'mode': online.mode, 'rows': online.rows, 'ways': {}}
    if not revisions:
        plan['verdict'] = 'nothing pending'
        return plan
    ops = collect.pending(service, dialect.name, current, revisions[-1].revision)
    touched = {op.table for op in ops if op.table}
    runner.settle(conn)
    plan['tables'] = sizes = stats.tables(conn, dialect, touched)
    schema = stats.schema(conn, dialect, touched)
    runner.settle(conn)
    created = set()
    by_revision = {r.revision: [] for r in revisions}
    for op in ops:
        claim = classify.classify(op, dialect, schema)
        live = sizes.get(op.table) if op.table not in created else None
        if op.kind == 'create_table':
            created.add(op.table)
        if claim['effect'] == classify.BREAKING and live is None:
            # Running code cannot use what only the pending work creates.
            claim.update(effect=classify.ADDITIVE,
                         why='the table is not in use yet (%s)' % claim['why'])
        entry = {'kind': op.kind, 'table': op.table, 'what': _label(op),
                 'details': op.details, 'sql': op.sql,
                 'rows': live['rows'] if live else 0,
                 'bytes': live['bytes'] if live else None, **claim}
        by_revision.setdefault(op.revision, []).append(entry)
        step = {'revision': op.revision, 'kind': op.kind, 'table': op.table,
                'what': entry['what'], 'rows': entry['rows'], 'bytes': entry['bytes']}
        blocks = claim['blocks_writes']
        if 'online' in plan:
            entry['online'] = dialect.online.forecast(conn, entry, online)
            blocks = entry['online']['blocks']
            _tally(plan['online'], step, entry['online'])
        if blocks and entry['rows'] > 0:
            plan['blocking'].append(step)
        if claim['effect'] == classify.BREAKING:
            plan['breaking'].append(dict(step, why=claim['why']))
        if claim.get('fails_if_rows') and entry['rows'] > 0:
            plan['failures'].append(dict(step, why='%s on a table of %d rows' % (
                claim['fails_if_rows'], entry['rows'])))
    plan['revisions'] = [{'revision': r.revision, 'description': scripts.description(r),
                          'operations': by_revision.get(r.revision, [])}
                         for r in revisions]
    if 'online' in plan:
        plan['online'].pop('_rank', None)
    plan['blocking'].sort(key=lambda s: -(s['bytes'] or s['rows']))
    plan['verdict'] = ('breaks running code' if plan['breaking'] else
                       'blocks writes' if plan['blocking'] else 'online-safe')
    if plan['breaking'] and plan['blocking']:
        plan['verdict'] = 'blocks writes and breaks running code'
    if plan['failures']:
        plan['verdict'] = 'will fail at %s; %s' % (plan['failures'][0]['revision'],
                                                   plan['verdict'])
    return plan
