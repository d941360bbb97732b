"""How a command is declared, once: its arguments, whether it writes, the
agent API version it needs, how it runs and how its result reads.

The console programs build their parser from these declarations, the core
validates every call's arguments against them (in-process and on the
agent alike), and ``--json``-less output is the command's ``render``. The
agent's wire contract stays explicit (``dbmanage_agent.rpcapi`` and
``manager``): each remote command is one reviewed method there.
"""
import dataclasses
import re
import typing

from dbmanage import errors

# A revision argument is an id, head/heads/base, +N, or START:END of those:
# never SQL, never a path.
_TOKEN = r'(?:[A-Za-z0-9_]{1,64}|\+\d{1,4})'
REVISION = re.compile(r'^%s(?::%s)?$' % (_TOKEN, _TOKEN))
REVISION_RANGE = re.compile(r'^(?:%s)?:(?:%s)?$' % (_TOKEN, _TOKEN))


@dataclasses.dataclass(frozen=True)
class Arg:
    """One argument of a command."""
    name: str
    type: type = str
    default: object = None
    help: str = ''
    #: Command-line flags (``('-r', '--rev-range')``); none: positional.
    flags: tuple = ()
    #: What a string must look like (checked on every call).
    pattern: re.Pattern | None = None
    #: The smallest number allowed.
    minimum: float | None = None
    #: The command line must give it.
    required: bool = False
    #: A flag that ``--json`` turns on (a JSON reader gets every detail).
    with_json: bool = False

    def check(self, value):
        """``value`` as this argument takes it; UsageError if it cannot be."""
        if value is None:
            return None
        if self.type is bool:
            if not isinstance(value, bool):
                raise errors.UsageError('%s must be true or false' % self.name)
        elif self.type in (int, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                    self.type is int and not isinstance(value, int)):
                raise errors.UsageError('%s must be %s' % (
                    self.name, 'an integer' if self.type is int else 'a number'))
            if self.minimum is not None and value < self.minimum:
                raise errors.UsageError('%s must be %s or more' % (self.name, self.minimum))
        elif not isinstance(value, str) or (self.pattern and not self.pattern.match(value)):
            raise errors.UsageError('invalid %s %r' % (self.name, str(value)[:80]))
        return value


@dataclasses.dataclass(frozen=True)
class Command:
    """One command of the ``<service>-db-manage`` programs."""
    name: str
    help: str
    #: ``run(ctx, result, **args)`` in the core (``remote``), or
    #: ``run(api, service, **args)`` -> Result on the client's side.
    run: typing.Callable
    args: tuple = ()
    #: It changes the database (and takes the migration lock), unless asked
    #: only for its SQL.
    writes: bool = False
    #: The agent API version that introduced it.
    version: str = '1.0'
    #: It runs where the database is (in-process or on the agent); else on
    #: the client's side, through the API (``wait``, ``revision``).
    remote: bool = True
    #: Offered on the command line (``compare`` is only called by ``revision``).
    cli: bool = True
    #: ``render(result, verbose)``: how a successful result reads.
    render: typing.Callable | None = None
    #: ``available(service)``: does the service offer it?
    available: typing.Callable = lambda service: True

    def validate(self, args: dict) -> dict:
        """The arguments, each checked; UsageError for anything else."""
        known = {a.name: a for a in self.args}
        unknown = sorted(set(args) - set(known))
        if unknown:
            raise errors.UsageError('%s takes no argument %s' % (self.name, ', '.join(unknown)))
        return {name: known[name].check(value) for name, value in args.items()}

    def writing(self, args: dict) -> bool:
        """Does this call change the database?"""
        return self.writes and not args.get('sql')


def revision_args(relative=False, default=None):
    """The arguments of upgrade-like commands: a target and ``--sql``."""
    found = [Arg('revision', default=default, pattern=REVISION,
                 help='target: head, an id%s' % (', +N' if relative else ''))]
    if relative:
        found.append(Arg('delta', int, flags=('--delta',), minimum=1,
                         help='upgrade N revisions'))
    found.append(Arg('sql', bool, False, flags=('--sql',),
                     help='print the SQL instead of running it (START:END for a range)'))
    return tuple(found)
