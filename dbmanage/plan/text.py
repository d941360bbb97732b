"""How a plan reads: one line per operation, a summary line, the rehearsal."""
from __future__ import annotations

from dbmanage import dialects


def _size(n):
    if n is None:
        return '-'
    for unit in ('B', 'K', 'M', 'G'):
        if n < 1024 or unit == 'G':
            return '%.0f%s' % (n, unit) if unit == 'B' else '%.1f%s' % (n, unit)
        n /= 1024.0


def _cost(op, dialect):
    cost = dialect.plan.cost(op)
    return cost + (' WAIT' if op['blocks_writes'] and op['rows'] else '')


def _online(forecast):
    return forecast['way'] + (' WAIT' if forecast['blocks'] else '')


def render(plan) -> str:
    """One line per operation, then a summary line; blocking steps say WAIT."""
    where = '%s -> %s' % (', '.join(plan['from']) or 'base', plan['to'] or 'nothing')
    lines = ['Plan %s on %s' % (where, plan['server']),
             'Claims hold for %s; %s' % (plan['claims_hold_for'], plan['estimates'])]
    dialect = dialects.named(plan['dialect'])
    online = plan.get('online')
    rows = [('REV', 'OPERATION', 'TABLE', 'ROWS', 'SIZE', 'EFFECT', 'COST')
            + (('ONLINE',) if online else ())]
    for rev in plan['revisions']:
        for op in rev['operations']:
            rows.append((rev['revision'], ('%s %s' % (op['kind'], op['what']))[:48],
                         op['table'], str(op['rows']), _size(op['bytes']),
                         op['effect'], _cost(op, dialect))
                        + ((_online(op['online']),) if online else ()))
    if len(rows) > 1:
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines += ['  '.join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    blocking = ', '.join('%s %s %s (%s rows)' % (s['revision'], s['kind'], s['table'], s['rows'])
                         for s in plan['blocking'][:5]) or 'none'
    largest = ', '.join('%s %s rows %s' % (name, t['rows'], _size(t['bytes'])) for name, t in
                        sorted(plan['tables'].items(),
                               key=lambda kv: (-kv[1]['rows'], -(kv[1]['bytes'] or 0)))[:3]
                        if t['rows'])
    lines.append('Summary: %s; writes wait: %s; breaking: %d; largest tables: %s'
                 % (plan['verdict'], blocking, len(plan['breaking']), largest or 'none'))
    if online and plan['revisions']:
        lines.append('Online (%s%s): %s' % (
            online['mode'], ', tables from %d rows' % online['rows']
            if online['mode'] == 'auto' else '',
            ', '.join('%s %d' % kv for kv in sorted(online['ways'].items())) or 'nothing')
            + ('; longest write wait: %s (%s %s %s)' % tuple(
                online['longest_wait'][k] for k in ('writes_wait', 'revision', 'kind', 'table'))
               if online.get('longest_wait') else ''))
    for failure in plan['failures']:
        lines.append('Will fail: %s %s %s: %s' % (failure['revision'], failure['kind'],
                                                  failure['table'], failure['why']))
    rehearsal = plan.get('rehearsal')
    if rehearsal:
        lines.append(_rehearsal_text(rehearsal))
    return '\n'.join(lines)


def _rehearsal_text(rehearsal):
    if rehearsal.get('error') and 'seconds' not in rehearsal:
        return 'Rehearsal: %s' % rehearsal['error']
    line = ('Rehearsal: sample of %s rows ran in %.2f s; expected %.1f s on the real '
            'row counts' % (rehearsal['sampled_rows'], rehearsal['seconds'],
                            rehearsal['expected_seconds']))
    if rehearsal.get('failure'):
        line += '\nRehearsal: WILL FAIL at %s: %s' % (rehearsal['failure']['revision'],
                                                     rehearsal['failure']['error'])
    return line
