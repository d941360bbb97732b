"""The ``<service>-db-manage`` programs: parse, pick a path, print.

``dispatch`` hands each command's arguments to the API object (in-process or
the agent, same methods); the work lives in the core, the wording in
``output``. Only ``revision`` does something here: it writes a file.
"""
import logging
import sys

from oslo_config import cfg

from dbmanage import config
from dbmanage import errors
from dbmanage import masking
from dbmanage import services
from dbmanage_agent import rpcapi
from dbmanage_cli import output

CONF = config.CONF
LOG = logging.getLogger('dbmanage')


def _add_revision_args(parser, relative=False):
    parser.add_argument('revision', nargs='?',
                        help='target: head, an id%s' % (', +N' if relative else ''))
    if relative:
        parser.add_argument('--delta', type=int, help='upgrade N revisions')
    parser.add_argument('--sql', action='store_true',
                        help='print the SQL instead of running it '
                             '(START:END for a range)')


def add_command_parsers(subparsers):
    parser = subparsers.add_parser('upgrade', help='upgrade the database')
    _add_revision_args(parser, relative=True)
    parser = subparsers.add_parser('downgrade', help='(not supported)')
    _add_revision_args(parser, relative=True)
    parser = subparsers.add_parser('stamp', help='record a revision '
                                   'without running migrations')
    _add_revision_args(parser)
    parser = subparsers.add_parser('current', help='revision of the database')
    parser.add_argument('--verbose', action='store_true')
    parser = subparsers.add_parser('history', help='list the chain')
    parser.add_argument('-r', '--rev-range', help='A:B, A: or :B')
    parser.add_argument('--verbose', action='store_true')
    for name, text in (('heads', 'head revision(s) of the chain'),
                       ('branches', 'branch points of the chain'),
                       ('check_migration', 'fail unless the chain is one '
                                           'linear history'),
                       ('populate', 'restore the standard rows')):
        subparsers.add_parser(name, help=text)
    parser = subparsers.add_parser('break_lock', help='free the migration '
                                   'lock of a stuck or dead run')
    parser.add_argument('--confirm', action='store_true')
    parser = subparsers.add_parser('revision', help='write a new revision')
    parser.add_argument('-m', '--message', required=True)
    parser.add_argument('--autogenerate', action='store_true',
                        help='fill it with the differences between the head '
                             'models and the database')
    parser.add_argument('--rev-id', dest='rev_id')
    parser = subparsers.add_parser('plan', help='what an upgrade would do to '
                                   'this database (exit 8 if it blocks writes '
                                   'or breaks running code)')
    parser.add_argument('revision', nargs='?', default='head')
    parser.add_argument('--rehearse', action='store_true',
                        help='also run it on a sampled copy and time it')
    parser.add_argument('--sample-rows', type=int, default=None,
                        help='rows copied per table for --rehearse (default 10000)')
    parser = subparsers.add_parser('wait', help='return once the database '
                                   'is at a revision (another node migrates)')
    parser.add_argument('--revision', default='head', help='head or an id')
    parser.add_argument('--timeout', type=float, default=600.0,
                        help='seconds before giving up (exit code 6)')


cli_opts = [
    cfg.SubCommandOpt('command', title='Commands', handler=add_command_parsers),
    cfg.BoolOpt('json', default=False,
                help='print one JSON object with the full result'),
    cfg.BoolOpt('debug', short='d', default=False,
                help='log details and tracebacks to stderr'),
    cfg.BoolOpt('use-agent', default=None,
                help='send the command to the dbmanage agent '
                     '(overrides [db_manage] use_agent)'),
]


def _setup_logging(prog, debug):
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(prog + ': %(message)s'))
    masking.install_log_filter(handler)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    if not debug:
        # Alembic's INFO lines repeat what the result reports; the broker
        # clients log every reconnect attempt, and the CLI's own deadline
        # turns those into one line.
        logging.getLogger('alembic').setLevel(logging.WARNING)
        for name in ('oslo.messaging', 'oslo_messaging', 'kombu', 'amqp', 'tooz'):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _api(service):
    use_agent = CONF.use_agent
    if use_agent is None:
        use_agent = CONF.db_manage.use_agent
    progress = None
    if CONF.command.name == 'upgrade' and not CONF.json and sys.stderr.isatty():
        progress = output.Progress(service.program)
    if use_agent:
        return rpcapi.AgentAPI(CONF, service, emit=progress)
    from dbmanage_agent import local
    return local.LocalAPI(CONF, service, emit=progress)


def do_revision(api, service, args):
    upgrades, differences = None, None
    if args.autogenerate:
        found = api.compare()
        if not found.ok:
            return found
        upgrades = found.details['upgrade_code']
        differences = found.details['differences']
    from dbmanage.migrate import runner  # revision files are always local
    path = runner.write_revision(service, args.message, rev_id=args.rev_id,
                                 upgrades=upgrades)
    return output.local_result(service, 'revision', path=path,
                               differences=differences)


def dispatch(api, service, args):
    name = args.name
    if name == 'revision':
        return do_revision(api, service, args)
    if name in ('upgrade', 'downgrade'):
        return getattr(api, name)(revision=args.revision, delta=args.delta,
                                  sql=args.sql)
    if name == 'stamp':
        return api.stamp(revision=args.revision, sql=args.sql)
    if name == 'current':
        # A JSON reader gets every detail, who migrates now included.
        return api.current(verbose=args.verbose or CONF.json)
    if name == 'history':
        return api.history(rev_range=args.rev_range, verbose=args.verbose)
    if name == 'break_lock':
        return api.break_lock(confirm=args.confirm)
    if name == 'plan':
        return api.plan(revision=args.revision, rehearse=args.rehearse,
                        sample_rows=args.sample_rows)
    if name == 'wait':
        return api.wait(revision=args.revision, timeout=args.timeout)
    return getattr(api, name)()


def run(service_name, argv=None):
    """Run one command; return its exit code."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        service = services.get(service_name)
        CONF.register_cli_opts(cli_opts)
        config.load(argv, project=service.project, prog=service.program)
    except errors.DbManageError as exc:
        print('%s-db-manage: error: %s' % (service_name,
                                           masking.scrub(exc.message)),
              file=sys.stderr)
        return exc.exit_code
    _setup_logging(service.program, CONF.debug)
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
