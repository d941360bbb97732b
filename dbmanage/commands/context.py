"""Where and how commands run: the service, its database and the options."""
import dataclasses
import typing

from dbmanage import config
from dbmanage import locks
from dbmanage import masking
from dbmanage.db import database
from dbmanage.migrate import online


@dataclasses.dataclass
class Context:
    """Built once per process (the CLI's, or the agent's)."""
    service: object
    #: The database URL; None with ``missing`` saying why there is none.
    url: str | None = None
    embedded: bool = False
    missing: str | None = None
    host: str = ''
    lock_timeout: float = 300.0
    lock_lease: float = 30.0
    coordination_url: str | None = None
    connect_timeout: float = 10.0
    retry_attempts: int = 4
    fresh_install: str = 'baseline'   # or 'chain': see migrate.baseline
    #: Before an upgrade, compare the tables it changes with the current revision.
    preflight: bool = True
    #: How upgrade treats large tables (``migrate.online.Settings``).
    online: typing.Any = None
    #: The ``[database]`` options that change how it connects.
    database_options: database.Options = database.Options()
    #: ``emit(event_type, payload)`` receives start/revision/end/error events.
    emit: typing.Callable | None = None

    def __post_init__(self):
        if self.online is None:
            self.online = online.Settings()
        self.database = database.Database(self.url, self.connect_timeout, self.embedded,
                                          self.missing, self.database_options)

    @classmethod
    def from_config(cls, conf, service, emit=None):
        """The context the configuration describes."""
        masking.register_names(service.name, service.project)
        url, embedded, missing = conf.database.connection, False, None
        if url:
            masking.register_url(url)
        elif config.sources(conf):
            # A configuration that lost its connection must not look like a
            # successful run on a new local file.
            missing = ('no [database] connection in %s (the embedded database is only '
                       'for running without any configuration)' % ', '.join(config.sources(conf)))
        else:
            url, embedded = service.embedded_url, True
        if conf.coordination.backend_url:
            masking.register_url(conf.coordination.backend_url)
        return cls(service=service, url=url, embedded=embedded, missing=missing,
                   host=conf.db_manage.host, lock_timeout=conf.db_manage.lock_timeout,
                   lock_lease=conf.db_manage.lock_lease,
                   coordination_url=conf.coordination.backend_url,
                   connect_timeout=conf.db_manage.connect_timeout,
                   retry_attempts=conf.db_manage.retry_attempts,
                   fresh_install=conf.db_manage.fresh_install,
                   preflight=conf.db_manage.preflight,
                   online=online.Settings(conf.db_manage.online, conf.db_manage.online_rows,
                                          conf.db_manage.online_batch,
                                          conf.db_manage.online_lock_wait),
                   database_options=database.Options.of(conf.database), emit=emit)

    def lock_settings(self) -> locks.Settings:
        return locks.Settings(name=self.service.lock_name, database=self.database.name,
                              host=self.host, timeout=self.lock_timeout, lease=self.lock_lease,
                              connect_timeout=self.connect_timeout,
                              coordinator=self.coordination_url)

    def event(self, name, result, **extra):
        """Emit ``db_manage.<name>`` about ``result``'s request."""
        if self.emit:
            payload = {'service': result.service, 'host': result.host,
                       'request_id': result.request_id}
            payload.update(extra)
            self.emit('db_manage.' + name, payload)
