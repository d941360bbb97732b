"""The one result type every command returns, in-process or over RPC.

A Result travels as a plain dict (``to_dict``/``from_dict``) so the RPC
reply, the ``--json`` output and the in-process return are the same data.
"""
import dataclasses
from dataclasses import field


@dataclasses.dataclass
class Applied:
    """One revision a run applied (or stamped), with its wall time."""
    revision: str
    down_revision: str | None
    description: str
    duration: float
    #: statements of an interrupted revision found done and not run again
    resumed: list[str] = field(default_factory=list)


@dataclasses.dataclass
class Result:
    service: str
    command: str
    exit_code: int = 0
    error: str | None = None
    database: str | None = None      # always with the password masked
    host: str | None = None          # the node that executed the command
    request_id: str | None = None
    revision_before: list[str] = field(default_factory=list)
    revision_after: list[str] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)
    applied: list[Applied] = field(default_factory=list)
    #: {'revision', 'skipped'} when the run finished a revision a crash cut short
    resumed: dict = field(default_factory=dict)
    sql: str | None = None
    history: list[dict] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    duration: float = 0.0
    lock_wait: float = 0.0
    lock: dict | None = None         # who holds the migration lock (current, break_lock)

    @property
    def ok(self):
        return self.exit_code == 0

    def to_dict(self):
        """A plain dict; its lists and dicts are copies, as asdict makes them."""
        return {f.name: _plain(getattr(self, f.name)) for f in _RESULT_FIELDS}

    @classmethod
    def from_dict(cls, data):
        data = dict(data)
        data['applied'] = [Applied(**a) for a in data.get('applied', ())]
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


_RESULT_FIELDS = dataclasses.fields(Result)


def _plain(value):
    # dataclasses.asdict, for the JSON-shaped values a Result holds, without
    # its generic deep copy: a warm agent answers in about a millisecond.
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, Applied):
        return _plain(vars(value))
    return value
