"""How a Result reads: Alembic-like text for people, one JSON object for tools."""
import json
import sys

from dbmanage import masking
from dbmanage.locks.holders import describe
from dbmanage.result import Result
from dbmanage.plan import text as plan_text


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
            lines.append(_lock_line(result.lock))
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
        lines = ['Running upgrade %s -> %s, %s (%.2f s)%s'
                 % (a.down_revision or '', a.revision, a.description, a.duration,
                    '; resumed: %d statement(s) were already done' % len(a.resumed)
                    if a.resumed else '')
                 for a in result.applied]
        if result.details.get('fresh_install') == 'baseline':
            lines = ['Created the schema of %s in one step from the baseline (%d revisions, '
                     '%.2f s)' % (_revs(result.revision_after, heads), len(result.applied),
                                  result.duration)]
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
    if command == 'break_lock':
        return ('Broke the migration lock held by %s' % describe(result.lock)
                if result.lock else 'No migration lock is held')
    if command == 'plan':
        return plan_text.render(result.details['plan'])
    if command == 'revision':
        differences = result.details['differences']
        if differences is None:
            return 'Generated %s' % result.details['path']
        return 'Generated %s (%d difference(s) from the database)' % (
            result.details['path'], len(differences))
    return ''


def _lock_line(lock):
    if not lock:
        return 'No migration running'
    return 'Migration running: %s' % describe(lock)


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
