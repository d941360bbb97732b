"""The in-process twin of ``rpcapi.AgentAPI``: the agent's own endpoint,
called directly, on the configured (or embedded) database."""
import contextlib
import uuid

from dbmanage import commands
from dbmanage.result import Result
from dbmanage_agent import manager
from dbmanage_agent import rpcapi


class LocalAPI(rpcapi.CommandsMixin):
    """Runs commands in this process."""

    def __init__(self, conf, service, emit=None):
        self.service = service
        self._endpoint = manager.AgentManager(
            commands.Context.from_config(conf, service, emit=emit))

    def _call(self, method, version, **kwargs):
        ctxt = {'request_id': 'req-%s' % uuid.uuid4(), 'user': rpcapi.user()}
        return Result.from_dict(getattr(self._endpoint, method)(ctxt, **kwargs))

    def listen(self, event_types):
        # Nothing to listen to here: ``wait`` polls.
        return contextlib.nullcontext()
