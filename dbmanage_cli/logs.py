"""Where the console programs' log lines go.

By default, one line per message on stderr (``<prog>: message``), with
details and tracebacks under ``--debug``. oslo.log's options
(``--log-file``, ``--log-dir``, ``--log-config-append``, ``--use-syslog``,
``--use-journal``, ``--use-json``, on the command line or in a config file)
send them where they say, through oslo.log, as the upstream programs do; but
stdout carries the command's result, so where oslo.log would fall back to
stdout the lines go to stderr. Every handler masks secrets either way.
"""
import logging
import sys

from dbmanage import config
from dbmanage import errors
from dbmanage import masking

#: oslo.log options that send log lines elsewhere than the one-line default.
ELSEWHERE = ('log_config_append', 'log_file', 'log_dir', 'use_syslog', 'use_journal',
             'use_json')


def setup(conf, prog, load):
    """``load()`` reads the command line and configuration (again)."""
    if _elsewhere(conf):
        _through_oslo_log(conf, prog, load)
    else:
        _one_line(prog, conf.debug)


def _elsewhere(conf):
    return any(conf[name] for name in ELSEWHERE)


def _one_line(prog, debug):
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
        # oslo.db logs a database error no filter of its own names ("DBAPIError
        # exception wrapped.") as a warning with its traceback: the error the
        # command reports in one line.
        logging.getLogger('oslo_db.sqlalchemy.exc_filters').setLevel(logging.ERROR)
        for name in ('oslo.messaging', 'oslo_messaging', 'kombu', 'amqp', 'tooz'):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _through_oslo_log(conf, prog, load):
    """Logging as oslo.log's options say."""
    from oslo_log import log as oslo_log
    # Its register_options also records the configuration that its
    # formatters read (a logging config file's ContextFormatter does); it
    # registers command-line options, which oslo.config takes only before
    # parsing.
    conf.clear()
    oslo_log.register_options(conf)
    load()
    if not (conf.log_config_append or conf.log_file or conf.log_dir or conf.use_journal):
        conf.set_override('use_stderr', True)
    try:
        oslo_log.setup(conf, prog, config.version())
    except Exception as exc:
        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise errors.UsageError('cannot set up logging as configured: %s'
                                % masking.scrub(text))
    for handler in _handlers():
        masking.install_log_filter(handler)


def _handlers():
    # A logging config file may give any logger handlers of its own.
    loggers = [logging.getLogger()] + [
        found for found in logging.Logger.manager.loggerDict.values()
        if isinstance(found, logging.Logger)]
    return {handler for found in loggers for handler in found.handlers}
