"""How a Result is printed: the command's own text for people, one JSON
object for tools, one line on stderr for an error."""
import json
import sys

from dbmanage import commands
from dbmanage import masking
from dbmanage.result import Result


def error_result(service, command, exc):
    return Result(service=service.name, command=command,
                  exit_code=exc.exit_code, error=masking.scrub(exc.message))


class LiveLine:
    """One self-rewriting stderr line per applied revision, on a terminal
    (fed with the run's ``upgrade.revision`` events), and the rows done of an
    online step meanwhile (``upgrade.progress``)."""

    def __init__(self, prog):
        self.prog = prog

    def __call__(self, event_type, payload):
        if event_type == 'db_manage.upgrade.progress':
            eta = payload.get('eta_seconds')
            sys.stderr.write('\r\033[K%s: %s %s %s: %d/%d rows, %.0f rows/s%s'
                             % (self.prog, payload['revision'], payload['what'],
                                payload['table'], payload['rows_done'], payload['rows_total'],
                                payload['rows_per_second'],
                                ', about %.0f s left' % eta if eta is not None else ''))
            sys.stderr.flush()
            return
        if event_type != 'db_manage.upgrade.revision':
            return
        remaining = payload.get('remaining', 0)
        sys.stderr.write('\r\033[K%s: applied %s (%.2f s), %d remaining%s'
                         % (self.prog, payload['revision'], payload['duration'],
                            remaining, '\n' if remaining == 0 else ''))
        sys.stderr.flush()


def show(result, prog, as_json=False, verbose=False):
    if as_json:
        print(json.dumps(result.to_dict(), sort_keys=True))
        return
    if result.error is not None:
        print('%s: error: %s' % (prog, result.error), file=sys.stderr)
        return
    command = commands.COMMANDS.get(result.command)
    text = command.render(result, verbose) if command and command.render else ''
    if text:
        print(text)
