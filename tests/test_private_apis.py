"""The private names of libraries that dbmanage relies on, checked in the
installed versions.

setup.cfg bounds none of these libraries from above: a release that drops
or changes one of the names fails here, naming it, the library's version
and the module that needs it, before anything else does in a way harder to
read. Each check asks for what the code uses: the name, its call signature,
or that the library still routes its work through it.
"""
import argparse
import inspect
from importlib import metadata

from oslo_config import cfg


def need(found, name, distribution, user):
    assert found, ('%s %s changed or lacks %s, which %s uses: port %s to it, or bound %s in '
                   'setup.cfg' % (distribution, metadata.version(distribution), name, user,
                                  user, distribution))


def _parameters(function):
    return list(inspect.signature(function).parameters) if callable(function) else []


def _source(function):
    """Its source; empty if it is gone."""
    try:
        return inspect.getsource(function)
    except (TypeError, OSError):
        return ''


def test_alembic_migration_steps():
    from alembic.runtime.migration import MigrationContext

    def steps(heads, context):
        return []
    context = MigrationContext.configure(dialect_name='sqlite', opts={'fn': steps})
    need(getattr(context, '_migrations_fn', None) is steps and
         '_migrations_fn' in _source(MigrationContext.run_migrations),
         'MigrationContext._migrations_fn', 'alembic', 'alembic_migrations/env.py')


def test_alembic_statement_execution():
    from alembic.ddl.impl import DefaultImpl
    need(hasattr(DefaultImpl, '_exec') and
         _parameters(getattr(DefaultImpl, '_exec', None))[:4] == [
             'self', 'construct', 'execution_options', 'multiparams'] and
         'self._exec(' in _source(DefaultImpl.execute),
         'DefaultImpl._exec(construct, execution_options, multiparams)', 'alembic',
         'dbmanage/migrate/journal.py')


def test_alembic_batch_rebuild_decision():
    from alembic.operations.batch import BatchOperationsImpl
    need(hasattr(BatchOperationsImpl, '_should_recreate') and
         'self._should_recreate()' in _source(BatchOperationsImpl.flush),
         'BatchOperationsImpl._should_recreate', 'alembic', 'dbmanage/plan/collect.py')


def test_oslo_messaging_rabbit_connection():
    from oslo_messaging._drivers import common
    from oslo_messaging._drivers import impl_rabbit
    need(hasattr(common, 'PURPOSE_LISTEN') and
         _parameters(impl_rabbit.Connection.__init__)[:4] == ['self', 'conf', 'url', 'purpose'] and
         'retry' in _parameters(impl_rabbit.Connection.__init__),
         '_drivers.impl_rabbit.Connection(conf, url, purpose, retry=)', 'oslo.messaging',
         'dbmanage_agent/events/listener.py')


def test_pymysql_ssl_context():
    from pymysql import connections
    ssl_context = getattr(connections.Connection, '_create_ssl_ctx', None)
    need(_parameters(ssl_context) == ['self', 'sslp'] and
         'self._create_ssl_ctx(' in _source(connections.Connection.__init__),
         'Connection._create_ssl_ctx(sslp)', 'PyMySQL', 'dbmanage/dialects/mysql/tls.py')


def test_oslo_log_option_lists():
    """dbmanage registers oslo.log's options from its lists (importing its
    logging module costs 40 ms): they must be all that register_options adds."""
    from oslo_log import log

    from dbmanage import config
    conf = cfg.ConfigOpts()
    config.register_log_opts(conf)
    registered = set(conf)
    log.register_options(conf)
    need(set(conf) == registered, 'the option lists of oslo_log._options', 'oslo.log',
         'dbmanage/config.py')


def test_oslo_config_argument_parser():
    conf = cfg.ConfigOpts()
    conf.register_cli_opt(cfg.SubCommandOpt(
        'command', handler=lambda sub: sub.add_parser('run', help='runs').add_argument('--fast')))
    conf(['run'], project='x', prog='x', default_config_files=[], default_config_dirs=[])
    parser = getattr(conf, '_oparser', None)
    commands = [a for a in getattr(parser, '_actions', ())
                if isinstance(a, argparse._SubParsersAction)]
    need(isinstance(parser, argparse.ArgumentParser) and len(commands) == 1 and
         [a.dest for a in commands[0]._choices_actions] == ['run'],
         'ConfigOpts._oparser (an argparse parser with its commands)', 'oslo.config',
         'dbmanage_cli/completion.py')


def test_tooz_lock_internals():
    """The coordinator lock asks the back-end's own client whether the lock
    is still its holder's (``coordinator.Hold._still_ours``)."""
    from redis import lock as redis_lock
    from tooz.drivers import etcd3gw
    from tooz.drivers import redis
    need('self._lock = client.lock(' in _source(redis.RedisLock.__init__) and
         hasattr(redis_lock.Lock, 'owned'),
         'RedisLock._lock (a redis-py Lock with owned())', 'tooz', 'dbmanage/locks/coordinator.py')
    source = _source(etcd3gw.Etcd3Lock.__init__)
    need('self._key =' in source and 'self._uuid =' in source and
         'self.client =' in _source(etcd3gw.Etcd3Driver.__init__),
         'Etcd3Lock._key, Etcd3Lock._uuid and Etcd3Driver.client', 'tooz',
         'dbmanage/locks/coordinator.py')


def test_alembic_script_directory_steps():
    from alembic import command
    from alembic.script import ScriptDirectory
    need(_parameters(getattr(ScriptDirectory, '_upgrade_revs', None))[:3] ==
         ['self', 'destination', 'current_rev'] and
         'script._upgrade_revs(' in _source(command.upgrade),
         'ScriptDirectory._upgrade_revs(destination, current_rev)', 'alembic',
         'dbmanage/chain/scripts.py')
    need(_parameters(getattr(ScriptDirectory, '_stamp_revs', None))[:3] ==
         ['self', 'revision', 'heads'] and
         'script._stamp_revs(' in _source(command.stamp),
         'ScriptDirectory._stamp_revs(revision, heads)', 'alembic', 'dbmanage/chain/scripts.py')
