"""The ``<service>-db-manage`` programs: parse, pick a path, print.

The parser is built from the commands' declarations (``dbmanage.commands``).
A command that runs where the database is goes to the API object (in this
process, or to the agent: same methods, ``dbmanage_agent.rpcapi``); one
that runs on the client's side (``wait``, ``revision``) is called with that
API. The wording lives in each command's ``render``, printed by ``output``.
"""
import logging
import sys

from oslo_config import cfg

from dbmanage import commands
from dbmanage import config
from dbmanage import errors
from dbmanage import masking
from dbmanage import services
from dbmanage_agent import rpcapi
from dbmanage_cli import completion
from dbmanage_cli import logs
from dbmanage_cli import output

CONF = config.CONF
LOG = logging.getLogger('dbmanage')


def _add_arg(parser, arg):
    if not arg.flags:
        parser.add_argument(arg.name, nargs='?', default=arg.default, help=arg.help or None)
    elif arg.type is bool:
        parser.add_argument(*arg.flags, dest=arg.name, action='store_true',
                            help=arg.help or None)
    else:
        parser.add_argument(*arg.flags, dest=arg.name, type=arg.type, default=arg.default,
                            required=arg.required, help=arg.help or None)


def _parsers(service):
    """oslo.config's handler that adds one sub-parser per command."""
    def add(subparsers):
        for command in commands.COMMANDS.values():
            if command.cli and command.available(service):
                parser = subparsers.add_parser(command.name, help=command.help)
                for arg in command.args:
                    _add_arg(parser, arg)
    return add


def cli_opts(service):
    return [
        cfg.SubCommandOpt('command', title='Commands', handler=_parsers(service)),
        cfg.BoolOpt('json', default=False,
                    help='print one JSON object with the full result'),
        cfg.BoolOpt('use-agent', default=None,
                    help='send the command to the dbmanage agent '
                         '(overrides [db_manage] use_agent)'),
    ]


def _api(service):
    use_agent = CONF.use_agent
    if use_agent is None:
        use_agent = CONF.db_manage.use_agent
    live = None
    if CONF.command.name == 'upgrade' and not CONF.json and sys.stderr.isatty():
        live = output.LiveLine(service.program)
    if use_agent:
        return rpcapi.AgentAPI(CONF, service, emit=live)
    from dbmanage_agent import local
    return local.LocalAPI(CONF, service, emit=live)


def dispatch(api, service, parsed):
    """Run the parsed command through ``api``; its Result."""
    command = commands.get(parsed.name)
    args = {arg.name: getattr(parsed, arg.name) for arg in command.args}
    for arg in command.args:
        if arg.with_json and CONF.json:
            args[arg.name] = True   # a JSON reader gets every detail
    if not command.remote:
        return command.run(api, service, **args)
    return getattr(api, command.name)(**args)


def _configure(service, argv):
    """Read the command line and the configuration; set up logging."""
    def load():
        config.load(argv, project=service.config_search, prog=service.program)
    load()
    logs.setup(CONF, service.program, load)


def run(service_name, argv=None):
    """Run one command; return its exit code."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        service = services.get(service_name)
        CONF.register_cli_opts(cli_opts(service))
        config.register_log_opts(CONF)
        shell = completion.wanted(argv)
        if shell:
            print(completion.script(shell, service.program, completion.parser(CONF, service)))
            return 0
        _configure(service, argv)
    except errors.DbManageError as exc:
        print('%s-db-manage: error: %s' % (service_name,
                                           masking.scrub(exc.message)),
              file=sys.stderr)
        return exc.exit_code
    try:
        result = dispatch(_api(service), service, CONF.command)
    except errors.DbManageError as exc:
        result = output.error_result(service, CONF.command.name, exc)
    except Exception as exc:
        LOG.debug('unexpected failure', exc_info=True)
        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        result = output.error_result(service, CONF.command.name,
                                     errors.OperationFailed(text))
    output.show(result, service.program, as_json=CONF.json,
                verbose=getattr(CONF.command, 'verbose', False))
    return result.exit_code


def mistral_main():
    sys.exit(run('mistral'))


def lbaas_main():
    sys.exit(run('lbaas'))
