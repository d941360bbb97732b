"""The commands: one module each, declared once (``spec.Command``).

Every module of this package that declares ``COMMAND`` is a command; the
console programs' parser, the argument checks and the text output all come
from those declarations. Commands that run where the database is are called
through ``execute``, by the CLI in-process and by the agent's RPC endpoint
alike, so a command behaves the same wherever it runs and always answers
with a Result.
"""
import importlib
import logging
import pkgutil
import time
import uuid

from dbmanage import errors
from dbmanage import masking
from dbmanage.commands.context import Context  # noqa: F401
from dbmanage.db import database
from dbmanage.result import Result

LOG = logging.getLogger(__name__)


def _declared():
    found = {}
    for module in pkgutil.iter_modules(__path__):
        command = getattr(importlib.import_module('%s.%s' % (__name__, module.name)),
                          'COMMAND', None)
        if command is not None:
            found[command.name] = command
    return found


#: Every command, by name.
COMMANDS = _declared()


def get(name):
    """The command called ``name``; UsageError if there is none."""
    command = COMMANDS.get(name)
    if command is None:
        raise errors.UsageError('unknown command %r' % name)
    return command


def execute(ctx, name, args=None, request_id=None) -> Result:
    """Run the command ``name`` with ``args``; always a Result, never raises."""
    args = args or {}
    result = Result(service=ctx.service.name, command=name,
                    database=ctx.database.masked, host=ctx.host,
                    request_id=request_id or 'req-%s' % uuid.uuid4())
    started = time.monotonic()
    command = COMMANDS.get(name)
    try:
        command = get(name)
        if not command.remote or not command.available(ctx.service):
            raise errors.UsageError('%s has no command %r' % (ctx.service.program, name))
        command.run(ctx, result, **command.validate(args))
    except errors.DbManageError as exc:
        LOG.debug('%s failed', name, exc_info=exc.__cause__ is not None)
        result.exit_code, result.error = exc.exit_code, masking.scrub(exc.message)
    except Exception as exc:
        LOG.debug('%s failed', name, exc_info=True)
        result.exit_code = errors.FAILED
        result.error = '%s failed: %s' % (name, database.one_line(exc))
    result.duration = round(time.monotonic() - started, 4)
    if command is not None and command.writing(args):
        _finished(ctx, result)
    return result


def _finished(ctx, result):
    if result.ok:
        ctx.event(result.command + '.end', result,
                  revision_before=result.revision_before,
                  revision_after=result.revision_after, heads=result.heads,
                  applied=[a.revision for a in result.applied],
                  duration=result.duration)
    else:
        ctx.event(result.command + '.error', result, error=result.error,
                  exit_code=result.exit_code,
                  revision_before=result.revision_before,
                  applied=[a.revision for a in result.applied])
