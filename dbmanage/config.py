"""The one configuration loader: oslo.config options of dbmanage.

oslo.messaging only works with the global ``cfg.CONF``, so every program of
the project (both CLIs and the agent) registers its options there.

``[database]`` holds oslo.db's options, as in the services' own files;
``database.Options`` says which of them a migration honours. oslo.log's
options are registered from its option lists: importing its logging module
would cost every command 40 ms, and only the programs that log through it
need that (``oslo_log.log.setup``).
"""
from __future__ import annotations

import glob
from importlib import metadata
import os
import socket

from oslo_config import cfg
from oslo_db import options as db_options
from oslo_log import _options as log_options

from dbmanage import errors

CONF = cfg.CONF

#: Where a migration's defaults differ from oslo.db's, which are made for a
#: service's own sessions: the upstream migration tools connect with the
#: server's SQL mode and report an unreachable server at once.
DATABASE_DEFAULTS = {'mysql_sql_mode': None, 'max_retries': 0}

db_manage_opts = [
    cfg.StrOpt('service', default='mistral',
               help='Service whose database the agent manages '
                    '(a name from the dbmanage.services entry points).'),
    cfg.StrOpt('host', default=socket.gethostname(),
               sample_default='<hostname>',
               help='Name of this node in results, audit lines and '
                    'notifications; the agent\'s RPC server name.'),
    cfg.FloatOpt('lock_timeout', default=300.0, min=0,
                 help='Seconds to wait for the per-database migration lock '
                      'held by another run before giving up (exit code 3).'),
    cfg.FloatOpt('lock_lease', default=30.0, min=1,
                 help='Seconds a Galera or coordinator lock stays valid '
                      'without a heartbeat: a holder that died is taken '
                      'over this long after a waiter last saw its '
                      'heartbeat.'),
    cfg.FloatOpt('connect_timeout', default=10.0, min=1,
                 help='Seconds to wait for the database to accept a '
                      'connection.'),
    cfg.IntOpt('retry_attempts', default=4, min=1,
               help='Attempts for an operation that meets a transient '
                    'database error (lost connection, deadlock, lock wait '
                    'timeout) where running it again is safe.'),
    cfg.StrOpt('fresh_install', default='baseline', choices=['baseline', 'chain'],
               help='How upgrade builds an empty database: "baseline" creates '
                    'the head schema and seed rows in one step from the '
                    'baseline stored beside the chain (identical to replaying '
                    'it; the chain is replayed when the baseline is missing or '
                    'was made from other revision files), "chain" replays '
                    'every revision.'),
    cfg.BoolOpt('preflight', default=True,
                help='Before its first statement, upgrade compares the tables its '
                     'pending revisions change with what the current revision '
                     'says, and stops with exit code 9 naming the first '
                     'difference (verify lists them all). False skips the check.'),
    cfg.StrOpt('online', default='auto',
               choices=[('never', 'every statement as it is'),
                        ('auto', 'online for tables of at least online_rows rows'),
                        ('always', 'online for every table')],
               help='How upgrade treats large tables while services keep writing '
                    '(docs/operations.md, "Online upgrades"): "auto" runs data '
                    'steps in short batches and changes tables without blocking '
                    'writes (a shadow copy where the server cannot) for tables of '
                    'at least online_rows rows; "always" does so for every '
                    'table; "never" runs every statement as it is. upgrade '
                    '--online means "always" for that run.'),
    cfg.IntOpt('online_rows', default=20000, min=0,
               help='The row count (the server\'s estimate) from which "auto" '
                    'upgrades a table online.'),
    cfg.IntOpt('online_batch', default=1000, min=1,
               help='Rows per batch of an online data step or table copy.'),
    cfg.FloatOpt('online_lock_wait', default=1.0, min=0.1,
                 help='Seconds an online DDL statement waits for a table lock '
                      'before it lets the writers queued behind it go first and '
                      'tries again.'),
    cfg.BoolOpt('use_agent', default=False,
                help='Send commands to the dbmanage agent over RPC instead '
                     'of running them here; needs only transport_url.'),
    cfg.StrOpt('topic',
               help='RPC topic of the agent. Default: <service>_db_manage.'),
    cfg.FloatOpt('rpc_timeout', default=3600.0, min=1,
                 help='Seconds a command may run on the agent before the '
                      'CLI gives up (exit code 4).'),
    cfg.FloatOpt('rpc_heartbeat_timeout', default=30.0, min=2,
                 help='Seconds without a heartbeat from the agent working '
                      'on a command before the CLI gives up (exit code 4): '
                      'an agent that died is noticed this fast, a long '
                      'migration is not cut short.'),
    cfg.FloatOpt('shutdown_timeout', default=600.0, min=0,
                 help='Seconds the agent waits on SIGTERM for the running '
                      'operation to finish before it exits anyway.'),
    cfg.FloatOpt('rpc_connect_timeout', default=5.0, min=0.1,
                 help='Seconds to reach the broker and get a first answer '
                      'from an agent before the CLI gives up (exit code 4).'),
]

coordination_opts = [
    cfg.StrOpt('backend_url', secret=True,
               help='tooz coordinator URL for the migration lock, e.g. '
                    'redis://host:6379 or etcd3+http://host:2379. Unset: '
                    'the database itself holds the lock.'),
]


def set_defaults():
    """dbmanage's defaults of oslo.db's options (also the entry point that
    gives oslo-config-generator the same defaults)."""
    cfg.set_defaults(db_options.database_opts, **DATABASE_DEFAULTS)


def _groups():
    return (('database', db_options.database_opts), ('db_manage', db_manage_opts),
            ('coordination', coordination_opts))


def register_opts(conf=CONF):
    set_defaults()
    for group, opts in _groups():
        conf.register_opts(opts, group=group)


def register_log_opts(conf=CONF):
    """oslo.log's options, command-line ones included, as
    ``oslo_log.log.register_options`` registers them."""
    conf.register_cli_opts(log_options.common_cli_opts)
    conf.register_cli_opts(log_options.logging_cli_opts)
    conf.register_opts(log_options.generic_log_opts)
    conf.register_opts(log_options.log_opts)


def list_opts():
    """Entry point for oslo-config-generator (``[database]`` is oslo.db's)."""
    return [('db_manage', db_manage_opts), ('coordination', coordination_opts)]


def version():
    """The installed version of dbmanage."""
    return metadata.version('dbmanage')


def default_sources(projects, prog):
    """(project, files, folders): the config files and folders oslo.config
    reads by default (``/etc/<project>/<project>.conf``, ``~/.<project>/``,
    ``~/``, ``/etc/``, and the same for ``<prog>.conf``), for the first of
    ``projects`` that has any."""
    for project in projects:
        files = cfg.find_config_files(project=project, prog=prog)
        folders = cfg.find_config_dirs(project=project, prog=prog)
        if files or folders:
            return project, files, folders
    return projects[0], [], []


def load(argv, project, prog, conf=CONF):
    """Parse the command line and config files; one-line errors for both.

    ``project``: the oslo.config project, or an ordered tuple of them whose
    default config files may serve (``default_sources``).
    """
    register_opts(conf)
    projects = (project,) if isinstance(project, str) else tuple(project)
    project, files, folders = default_sources(projects, prog)
    try:
        conf(argv, project=project, prog=prog, version=version(),
             default_config_files=files, default_config_dirs=folders)
        _check_values(conf)
    except cfg.ConfigFilesNotFoundError as exc:
        raise errors.UsageError('config file not found: %s'
                                % ', '.join(exc.config_files))
    except cfg.ConfigFileParseError as exc:
        raise errors.UsageError('cannot parse config file %s: %s'
                                % (exc.config_file, exc.msg))
    except (cfg.ConfigFileValueError, cfg.Error) as exc:
        raise errors.UsageError(str(exc).splitlines()[0])
    except OSError as exc:  # a folder given as --config-file, say
        raise errors.UsageError('cannot read config file %s: %s'
                                % (exc.filename, exc.strerror))
    return conf


def _check_values(conf):
    """oslo.config checks a value when it is read: read them all now, so
    that a bad one is a usage error before anything runs."""
    for group, opts in _groups():
        for opt in opts:
            try:
                conf[group][opt.dest]
            except cfg.ConfigFileValueError as exc:
                raise errors.UsageError('invalid value of [%s] %s: %s' % (
                    group, opt.dest, str(exc).rpartition('is not valid: ')[2]))


def sources(conf=CONF) -> list[str]:
    """The configuration read: the config files (given, or found in the
    default places) and each config folder's *.conf files (the folder
    itself when it holds none)."""
    found = list(conf.config_file or ())
    for folder in conf.config_dir or ():
        found += sorted(glob.glob(os.path.join(folder, '*.conf'))) or [folder]
    return found
