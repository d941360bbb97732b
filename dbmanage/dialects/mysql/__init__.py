"""MySQL and MariaDB, through PyMySQL."""
from __future__ import annotations

from dbmanage.dialects import base


class Dialect(base.Dialect):
    name = 'mysql'
    title = 'MySQL/MariaDB'
    backends = ('mysql', 'mariadb')
    driver = 'pymysql'
    module = 'pymysql'
    extra = 'mysql'
    transactional_ddl = False
    connect_timeout_arg = 'connect_timeout'
    list_tables = 'SHOW TABLES'
    now = {'utc': 'UTC_TIMESTAMP()', 'local': 'CURRENT_TIMESTAMP'}
    quote = '`%s`'
    # Index changes as ALTER TABLE, which Galera orders safely (``ddl``).
    ddl_rules = True

    def direct(self, parts):
        return parts.driver == self.driver and set(parts.query) <= {'charset'}

    def connect(self, parts, timeout: float, autocommit: bool = True, **session):
        from dbmanage.dialects.mysql import tls
        kwargs = dict(host=parts.host or 'localhost', port=parts.port or 3306,
                      user=parts.username, password=parts.password or '',
                      database=parts.database, connect_timeout=timeout,
                      autocommit=autocommit, **session)
        if 'charset' in parts.query:
            kwargs['charset'] = parts.query['charset']
        return tls.connect(**kwargs)

    def session_args(self, options):
        # PyMySQL sets it right after connecting, before anything else runs.
        return {'sql_mode': options.mysql_sql_mode} if options.mysql_sql_mode else {}

    def errors(self):
        import pymysql
        return pymysql.err.Error

    def missing_table(self, exc: BaseException) -> bool:
        return getattr(exc, 'args', (None,))[0] == 1146

    def configure_engine(self, engine):
        if engine.dialect.driver != self.driver:
            return
        from sqlalchemy import event

        @event.listens_for(engine, 'do_connect')
        def _connect(dialect, conn_rec, cargs, cparams):
            # SQLAlchemy's arguments, TLS options included; only the
            # preferred-TLS context is made once (``tls``).
            from dbmanage.dialects.mysql import tls
            return tls.connect(*cargs, **cparams)

    def lock_kind(self, dbapi) -> str:
        # GET_LOCK is local to one Galera node: a cluster needs its own lock.
        try:
            return 'galera' if galera(dbapi) else 'session'
        finally:
            dbapi.rollback()


def galera(dbapi) -> bool:
    """Is the server behind this DB-API connection a Galera node?"""
    try:
        cursor = dbapi.cursor()
        cursor.execute('SELECT @@global.wsrep_on')
        found = bool(cursor.fetchone()[0])
        cursor.close()
        return found
    except Exception:  # MySQL, or MariaDB built without wsrep
        return False
