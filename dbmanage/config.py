"""The one configuration loader: oslo.config options of dbmanage.

oslo.messaging only works with the global ``cfg.CONF``, so every program of
the project (both CLIs and the agent) registers its options there.
"""
from __future__ import annotations

import glob
import os
import socket

from oslo_config import cfg

from dbmanage import errors

CONF = cfg.CONF

database_opts = [
    cfg.StrOpt('connection', secret=True,
               help='SQLAlchemy URL of the service database. Required in '
                    'any configuration file, except with use_agent; only '
                    'with no configuration file at all the CLI uses an '
                    'embedded SQLite file in the current folder '
                    '(<service>.sqlite).'),
]

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


def register_opts(conf=CONF):
    conf.register_opts(database_opts, group='database')
    conf.register_opts(db_manage_opts, group='db_manage')
    conf.register_opts(coordination_opts, group='coordination')


def list_opts():
    """Entry point for oslo-config-generator."""
    return [('database', database_opts), ('db_manage', db_manage_opts),
            ('coordination', coordination_opts)]


def load(argv, project, prog, conf=CONF):
    """Parse the command line and config files; one-line errors for both."""
    register_opts(conf)
    try:
        conf(argv, project=project, prog=prog)
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


def sources(conf=CONF) -> list[str]:
    """The configuration read: the config files (given, or found in the
    default places) and each config folder's *.conf files (the folder
    itself when it holds none)."""
    found = list(conf.config_file or ())
    for folder in conf.config_dir or ():
        found += sorted(glob.glob(os.path.join(folder, '*.conf'))) or [folder]
    return found
