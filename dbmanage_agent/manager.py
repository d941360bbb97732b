"""The agent's endpoint: one method per remote call, each ending in the core.

The same object serves RPC requests in the agent and in-process calls from
the CLI, so both paths build the same Context and return the same Result
(as a dict, the form that crosses the wire). The wire contract, with its
version history, is documented in ``rpc/rpcapi.py``.
"""
from dbmanage_agent import dburl
from dbmanage_agent import operations


def build_context(conf, service, emit=None):
    url, embedded = dburl.resolve(conf.database.connection, service)
    return operations.Context(
        service=service, url=url, embedded=embedded,
        host=conf.db_manage.host,
        lock_timeout=conf.db_manage.lock_timeout,
        connect_timeout=conf.db_manage.connect_timeout,
        retry_attempts=conf.db_manage.retry_attempts,
        emit=emit)


class AgentManager:
    """Executes dbmanage commands for one service's database."""

    def __init__(self, context):
        self.context = context

    def _run(self, command, request_id=None, **args):
        return operations.execute(self.context, command, args,
                                  request_id=request_id).to_dict()

    def current(self, ctxt, verbose=False):
        return self._run('current', _request_id(ctxt), verbose=verbose)

    def history(self, ctxt, rev_range=None, verbose=False):
        return self._run('history', _request_id(ctxt), rev_range=rev_range,
                         verbose=verbose)

    def heads(self, ctxt):
        return self._run('heads', _request_id(ctxt))

    def branches(self, ctxt):
        return self._run('branches', _request_id(ctxt))

    def check_migration(self, ctxt):
        return self._run('check_migration', _request_id(ctxt))

    def upgrade(self, ctxt, revision=None, delta=None, sql=False):
        return self._run('upgrade', _request_id(ctxt), revision=revision,
                         delta=delta, sql=sql)

    def stamp(self, ctxt, revision=None, sql=False):
        return self._run('stamp', _request_id(ctxt), revision=revision, sql=sql)

    def populate(self, ctxt):
        return self._run('populate', _request_id(ctxt))

    def compare(self, ctxt):
        return self._run('compare', _request_id(ctxt))

    def downgrade(self, ctxt, revision=None, delta=None, sql=False):
        return self._run('downgrade', _request_id(ctxt))


def _request_id(ctxt):
    return (ctxt or {}).get('request_id')
