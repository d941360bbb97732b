"""The agent's endpoint: one method per remote call, each ending in the core.

The same object serves RPC requests in the agent and in-process calls from
the CLI, so both paths build the same Context and return the same Result
(as a dict, the form that crosses the wire). The wire contract, with its
version history, is documented in ``rpc/rpcapi.py``.

Alembic keeps per-run state in module globals, so commands that migrate run
one at a time; read-only commands do not queue behind them. Identical write
requests that arrive while one is running join it (single flight) and get
its result, under their own request id.
"""
import logging
import re
import threading

from dbmanage_agent import dburl
from dbmanage_agent import errors
from dbmanage_agent import operations
from dbmanage_agent.result import Result

LOG = logging.getLogger(__name__)
API_VERSION = '1.0'

# A revision argument is an id, head/heads/base, +N, or START:END of those:
# never SQL, never a path.
_TOKEN = r'(?:[A-Za-z0-9_]{1,64}|\+\d{1,4})'
_PATTERNS = {'revision': re.compile(r'^%s(?::%s)?$' % (_TOKEN, _TOKEN)),
             'rev_range': re.compile(r'^(?:%s)?:(?:%s)?$' % (_TOKEN, _TOKEN))}


def build_context(conf, service, emit=None):
    url, embedded = dburl.resolve(conf.database.connection, service)
    return operations.Context(
        service=service, url=url, embedded=embedded,
        host=conf.db_manage.host,
        lock_timeout=conf.db_manage.lock_timeout,
        connect_timeout=conf.db_manage.connect_timeout,
        retry_attempts=conf.db_manage.retry_attempts,
        fresh_install=conf.db_manage.fresh_install,
        emit=emit)


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
        ctxt = ctxt or {}
        request_id = ctxt.get('request_id')
        try:
            _validate(args)
        except errors.DbManageError as exc:
            result = Result(service=self.context.service.name, command=command,
                            host=self.context.host, request_id=request_id,
                            exit_code=exc.exit_code, error=exc.message)
        else:
            if command in operations.WRITES and not args.get('sql'):
                result = self._write(command, args, request_id)
            else:
                result = operations.execute(self.context, command, args, request_id)
        _audit(ctxt, result)
        return result.to_dict()

    def _write(self, command, args, request_id):
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
            with self._write_lock:
                flight.result = operations.execute(self.context, command, args,
                                                   request_id)
        finally:
            with self._flights_lock:
                del self._flights[key]
            flight.done.set()
        return flight.result

    def ping(self, ctxt):
        return {'service': self.context.service.name, 'host': self.context.host,
                'version': API_VERSION}

    def current(self, ctxt, verbose=False):
        return self._run(ctxt, 'current', verbose=verbose)

    def history(self, ctxt, rev_range=None, verbose=False):
        return self._run(ctxt, 'history', rev_range=rev_range, verbose=verbose)

    def heads(self, ctxt):
        return self._run(ctxt, 'heads')

    def branches(self, ctxt):
        return self._run(ctxt, 'branches')

    def check_migration(self, ctxt):
        return self._run(ctxt, 'check_migration')

    def upgrade(self, ctxt, revision=None, delta=None, sql=False):
        return self._run(ctxt, 'upgrade', revision=revision, delta=delta, sql=sql)

    def stamp(self, ctxt, revision=None, sql=False):
        return self._run(ctxt, 'stamp', revision=revision, sql=sql)

    def populate(self, ctxt):
        return self._run(ctxt, 'populate')

    def compare(self, ctxt):
        return self._run(ctxt, 'compare')

    def downgrade(self, ctxt, revision=None, delta=None, sql=False):
        return self._run(ctxt, 'downgrade')


def _validate(args):
    for key, pattern in _PATTERNS.items():
        value = args.get(key)
        if value is not None and not (isinstance(value, str) and pattern.match(value)):
            raise errors.UsageError('invalid %s %r' % (key, str(value)[:80]))
    delta = args.get('delta')
    if delta is not None and (not isinstance(delta, int) or isinstance(delta, bool)):
        raise errors.UsageError('delta must be an integer')
    for key in ('sql', 'verbose'):
        if key in args and not isinstance(args[key], bool):
            raise errors.UsageError('%s must be true or false' % key)


def _audit(ctxt, result):
    LOG.info('audit: request=%s user=%s from=%s command=%s before=%s after=%s '
             'applied=%s outcome=%s', result.request_id, ctxt.get('user', '-'),
             ctxt.get('host', '-'), result.command,
             ','.join(result.revision_before) or '-',
             ','.join(result.revision_after) or '-',
             ','.join(a.revision for a in result.applied) or '-',
             'ok' if result.ok else 'exit %d: %s' % (result.exit_code, result.error))
