"""Client side of the dbmanage agent API, and its in-process twin.

The CLI talks to one of two objects with the same methods: ``LocalAPI``
runs the command in this process (the agent's own endpoint, called
directly), ``AgentAPI`` sends it over oslo.messaging to an agent. Both
return a ``Result``.

API version history:

* 1.0 - current, history, heads, branches, check_migration, upgrade, stamp,
  populate, compare, downgrade (refused).
"""
from dbmanage_agent.result import Result


class LocalAPI:
    """Runs commands in this process, on the configured (or embedded) DB."""

    def __init__(self, conf, service, emit=None):
        from dbmanage_agent import manager
        self.service = service
        self._endpoint = manager.AgentManager(
            manager.build_context(conf, service, emit=emit))

    def _call(self, method, **kwargs):
        return Result.from_dict(getattr(self._endpoint, method)({}, **kwargs))

    def current(self, verbose=False):
        return self._call('current', verbose=verbose)

    def history(self, rev_range=None, verbose=False):
        return self._call('history', rev_range=rev_range, verbose=verbose)

    def heads(self):
        return self._call('heads')

    def branches(self):
        return self._call('branches')

    def check_migration(self):
        return self._call('check_migration')

    def upgrade(self, revision=None, delta=None, sql=False):
        return self._call('upgrade', revision=revision, delta=delta, sql=sql)

    def stamp(self, revision=None, sql=False):
        return self._call('stamp', revision=revision, sql=sql)

    def populate(self):
        return self._call('populate')

    def compare(self):
        return self._call('compare')

    def downgrade(self, revision=None, delta=None, sql=False):
        return self._call('downgrade', revision=revision, delta=delta, sql=sql)


def write_revision(service, message, rev_id=None, upgrades=None):
    """Write a revision file here (files are always local to the CLI)."""
    from dbmanage_agent import runner
    return runner.write_revision(service, message, rev_id=rev_id,
                                 upgrades=upgrades)
