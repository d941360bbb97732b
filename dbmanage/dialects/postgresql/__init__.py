"""PostgreSQL, through psycopg2."""
from __future__ import annotations

from dbmanage.dialects import base


class Dialect(base.Dialect):
    name = 'postgresql'
    title = 'PostgreSQL'
    backends = ('postgresql',)
    driver = 'psycopg2'
    module = 'psycopg2'
    extra = 'postgresql'
    connect_timeout_arg = 'connect_timeout'
    list_tables = 'SELECT tablename FROM pg_tables WHERE schemaname = current_schema()'
    now = {'utc': "date_trunc('second', timezone('utc', now()))",
           'local': 'CURRENT_TIMESTAMP'}

    def direct(self, parts):
        return parts.driver == self.driver and not parts.query

    def connect(self, parts, timeout: float, autocommit: bool = True, **session):
        import psycopg2
        conn = psycopg2.connect(host=parts.host, port=parts.port, user=parts.username,
                                password=parts.password, dbname=parts.database,
                                connect_timeout=timeout)
        conn.autocommit = autocommit
        return conn

    def errors(self):
        import psycopg2
        return psycopg2.Error

    def missing_table(self, exc: BaseException) -> bool:
        return getattr(exc, 'pgcode', None) == '42P01'
