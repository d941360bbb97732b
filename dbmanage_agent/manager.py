"""The agent's endpoint: one method per remote call, each ending in the core.

The same object serves RPC requests in the agent and in-process calls from
the CLI, so both paths build the same Context and return the same Result
(as a dict, the form that crosses the wire). The wire contract, with its
version history, is documented in ``rpcapi.py``; each call's arguments are
checked against the command's declaration (``dbmanage.commands``).

Commands that write run one at a time; one that cannot start within
``lock_timeout`` ends with exit code 3. Read-only commands do not queue
behind them (``--sql`` renderings wait only for Alembic itself, see
``migrate.runner.ALEMBIC_LOCK``). Identical write requests with an absolute target
that arrive while one is running join it (single flight) and get its
result, under their own request id; ``+N`` requests queue, each applies N.
"""
from __future__ import annotations

import logging
import threading

from dbmanage import commands
from dbmanage import errors
from dbmanage.result import Result

LOG = logging.getLogger(__name__)
API_VERSION = '1.5'


class _Flight:
    def __init__(self):
        self.done = threading.Event()
        self.result = None


class AgentManager:
    """Executes dbmanage commands for one service's database."""

    def __init__(self, context):
        self.context = context
        self._write_lock = threading.Lock()
        self._flights = {}
        self._flights_lock = threading.Lock()

    def _run(self, ctxt, command, **args):
        ctxt = ctxt if isinstance(ctxt, dict) else {}
        request_id = _claimed(ctxt['request_id']) if ctxt.get('request_id') else None
        try:
            declared = commands.get(command)
            args = declared.validate(args)
        except errors.DbManageError as exc:
            result = Result(service=self.context.service.name, command=command,
                            host=self.context.host, request_id=request_id,
                            exit_code=exc.exit_code, error=exc.message)
        else:
            if declared.writing(args):
                result = self._write(command, args, request_id)
            else:
                result = commands.execute(self.context, command, args, request_id)
        _audit(ctxt, result)
        return result.to_dict()

    def _write(self, command, args, request_id):
        if not _absolute(args):
            return self._locked_execute(command, args, request_id)
        key = (command, tuple(sorted(args.items())))
        with self._flights_lock:
            flight = self._flights.get(key)
            leader = flight is None
            if leader:
                flight = self._flights[key] = _Flight()
        if not leader:
            flight.done.wait()
            joined = Result.from_dict(flight.result.to_dict())
            joined.details['joined_request_id'] = joined.request_id
            joined.request_id = request_id
            return joined
        try:
            flight.result = self._locked_execute(command, args, request_id)
        finally:
            with self._flights_lock:
                del self._flights[key]
            flight.done.set()
        return flight.result

    def _locked_execute(self, command, args, request_id):
        if not self._write_lock.acquire(timeout=self.context.lock_timeout):
            return Result(service=self.context.service.name, command=command,
                          host=self.context.host, request_id=request_id,
                          exit_code=errors.LOCK_TIMEOUT,
                          error='another write is running on this agent; '
                                '%s did not start within %.0f s (lock_timeout)'
                                % (command, self.context.lock_timeout))
        try:
            return commands.execute(self.context, command, args, request_id)
        finally:
            self._write_lock.release()

    def ping(self, ctxt):
        return {'service': self.context.service.name, 'host': self.context.host,
                'version': API_VERSION}

    def current(self, ctxt, verbose: bool = False):
        return self._run(ctxt, 'current', verbose=verbose)

    def history(self, ctxt, rev_range: str | None = None, verbose: bool = False):
        return self._run(ctxt, 'history', rev_range=rev_range, verbose=verbose)

    def heads(self, ctxt):
        return self._run(ctxt, 'heads')

    def branches(self, ctxt):
        return self._run(ctxt, 'branches')

    def check_migration(self, ctxt):
        return self._run(ctxt, 'check_migration')

    def upgrade(self, ctxt, revision: str | None = None, delta: int | None = None,
                sql: bool = False, online: bool = False):
        return self._run(ctxt, 'upgrade', revision=revision, delta=delta, sql=sql,
                         online=online)

    def stamp(self, ctxt, revision: str | None = None, sql: bool = False):
        return self._run(ctxt, 'stamp', revision=revision, sql=sql)

    def populate(self, ctxt):
        return self._run(ctxt, 'populate')

    def populate_actions(self, ctxt):
        return self._run(ctxt, 'populate_actions')

    def verify(self, ctxt):
        return self._run(ctxt, 'verify')

    def adopt(self, ctxt, confirm: bool = False):
        return self._run(ctxt, 'adopt', confirm=confirm)

    def compare(self, ctxt):
        return self._run(ctxt, 'compare')

    def plan(self, ctxt, revision: str | None = 'head', rehearse: bool = False,
             sample_rows: int | None = None):
        return self._run(ctxt, 'plan', revision=revision, rehearse=rehearse,
                         sample_rows=sample_rows)

    def downgrade(self, ctxt, revision: str | None = None, delta: int | None = None,
                  sql: bool = False):
        return self._run(ctxt, 'downgrade')

    def break_lock(self, ctxt, confirm: bool = False):
        return self._run(ctxt, 'break_lock', confirm=confirm)


def _absolute(args):
    """Does the request name where to end (not how many steps to take)?"""
    return args.get('delta') is None and not str(args.get('revision') or '').startswith('+')


def _claimed(value):
    """A client-supplied field as one bounded line of plain characters."""
    text = ''.join(c if c.isprintable() and not c.isspace() else '?'
                   for c in str(value if value is not None else '-'))
    return text[:64] or '-'


def _audit(ctxt, result):
    # user and host are what the client says it is: nothing on the wire
    # vouches for them. The broker user that delivered the request would,
    # but oslo.messaging hands an endpoint only the context the client
    # sent, not the AMQP message's properties (user_id is neither set by its
    # publisher nor exposed to the server), so it cannot be recorded here.
    LOG.info('audit: request=%s claimed_user=%s claimed_host=%s command=%s '
             'before=%s after=%s applied=%s outcome=%s',
             result.request_id, _claimed(ctxt.get('user')),
             _claimed(ctxt.get('host')), result.command,
             ','.join(result.revision_before) or '-',
             ','.join(result.revision_after) or '-',
             ','.join(a.revision for a in result.applied) or '-',
             'ok' if result.ok else 'exit %d: %s' % (result.exit_code, result.error))
