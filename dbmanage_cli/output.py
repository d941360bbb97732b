"""How a Result reads: Alembic-like text for people, one JSON object for tools."""
import json
import sys

from dbmanage_agent import masking
from dbmanage_agent.result import Result


def local_result(service, command, **details):
    return Result(service=service.name, command=command, details=details)


def error_result(service, command, exc):
    return Result(service=service.name, command=command,
                  exit_code=exc.exit_code, error=masking.scrub(exc.message))


def _label(rev, heads):
    return '%s (head)' % rev if rev in heads else rev


def _revs(revs, heads):
    return ', '.join(_label(r, heads) for r in revs) or '<base>'


def _history_line(entry, result):
    line = '%s -> %s' % (entry['down_revision'] or '<base>', entry['revision'])
    if entry['is_head']:
        line += ' (head)'
    if entry['is_branch_point']:
        line += ' (branchpoint)'
    if entry['is_current']:
        line += ' (current)'
    return '%s, %s' % (line, entry['description'])


def _verbose_entry(entry):
    return ('Rev: %s%s\nParent: %s\nPath: %s\n\n    %s\n'
            % (entry['revision'], ' (head)' if entry['is_head'] else '',
               entry['down_revision'] or '<base>', entry['path'],
               entry['description']))


def _text(result, verbose):
    heads = result.heads
    command = result.command
    if result.sql is not None:
        return result.sql.rstrip('\n')
    if command == 'current':
        if verbose:
            lines = ['Current revision(s) for %s:' % result.database]
            lines += [_verbose_entry(e) for e in result.history]
            return '\n'.join(lines)
        return '\n'.join(_label(r, heads) for r in result.revision_after)
    if command == 'history':
        render = _verbose_entry if verbose else (lambda e: _history_line(e, result))
        return '\n'.join(render(e) for e in result.history)
    if command == 'heads':
        return '\n'.join(_label(h, heads) for h in heads)
    if command == 'branches':
        return '\n'.join('%s (branchpoint)' % b for b in result.branches)
    if command == 'wait':
        return 'Database is at %s (waited %.1f s)' % (
            _revs(result.revision_after, heads), result.details.get('waited', 0))
    if command == 'check_migration':
        return 'OK: one linear history, head %s' % ', '.join(heads)
    if command == 'upgrade':
        lines = ['Running upgrade %s -> %s, %s (%.2f s)'
                 % (a.down_revision or '', a.revision, a.description, a.duration)
                 for a in result.applied]
        if not result.applied:
            lines.append('Already at %s; nothing to upgrade'
                         % _revs(result.revision_after, heads))
        else:
            lines.append('Database is at %s' % _revs(result.revision_after, heads))
        return '\n'.join(lines)
    if command == 'stamp':
        return 'Stamped %s (was %s)' % (_revs(result.revision_after, heads),
                                        _revs(result.revision_before, heads))
    if command == 'populate':
        summary = result.details.get('populate') or {}
        return 'Populated: %s' % ', '.join(
            '%s %s' % (key, _count(value)) for key, value in summary.items())
    if command == 'plan':
        return _plan_text(result.details['plan'])
    if command == 'revision':
        differences = result.details['differences']
        if differences is None:
            return 'Generated %s' % result.details['path']
        return 'Generated %s (%d difference(s) from the database)' % (
            result.details['path'], len(differences))
    return ''


def _size(n):
    if n is None:
        return '-'
    for unit in ('B', 'K', 'M', 'G'):
        if n < 1024 or unit == 'G':
            return '%.0f%s' % (n, unit) if unit == 'B' else '%.1f%s' % (n, unit)
        n /= 1024.0


def _cost(op, dialect):
    if dialect == 'mysql':
        cost = '%s/%s' % (op['algorithm'], op['lock']) if op['algorithm'] else '-'
    elif dialect == 'postgresql':
        cost = (op['lock'] or '-') + (' rewrite' if op['rewrite'] else '')
    else:
        cost = 'rebuild' if op['rebuild'] else '-'
    return cost + (' WAIT' if op['blocks_writes'] and op['rows'] else '')


def _plan_text(plan):
    """One line per operation, then a summary line; blocking steps say WAIT."""
    where = '%s -> %s' % (', '.join(plan['from']) or 'base', plan['to'] or 'nothing')
    lines = ['Plan %s on %s' % (where, plan['server']),
             'Claims hold for %s; %s' % (plan['claims_hold_for'], plan['estimates'])]
    rows = [('REV', 'OPERATION', 'TABLE', 'ROWS', 'SIZE', 'EFFECT', 'COST')]
    for rev in plan['revisions']:
        for op in rev['operations']:
            rows.append((rev['revision'], ('%s %s' % (op['kind'], op['what']))[:48],
                         op['table'], str(op['rows']), _size(op['bytes']),
                         op['effect'], _cost(op, plan['dialect'])))
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


class Progress:
    """One self-rewriting stderr line per applied revision, on a terminal."""

    def __init__(self, prog):
        self.prog = prog

    def __call__(self, event_type, payload):
        if event_type != 'db_manage.upgrade.revision':
            return
        remaining = payload.get('remaining', 0)
        sys.stderr.write('\r\033[K%s: applied %s (%.2f s), %d remaining%s'
                         % (self.prog, payload['revision'], payload['duration'],
                            remaining, '\n' if remaining == 0 else ''))
        sys.stderr.flush()


def _count(value):
    if isinstance(value, dict):
        return sum(v if isinstance(v, int) else len(v) for v in value.values())
    if isinstance(value, (list, tuple, set)):
        return len(value)
    return value


def show(result, prog, as_json=False, verbose=False):
    if as_json:
        print(json.dumps(result.to_dict(), sort_keys=True))
        return
    if result.error is not None:
        print('%s: error: %s' % (prog, result.error), file=sys.stderr)
        return
    text = _text(result, verbose)
    if text:
        print(text)
