"""Alembic environment shared by every service's chain.

dbmanage's runner hands in a live connection (already holding the migration
lock) or, for offline SQL, a dialect URL, through ``config.attributes``.
A bare ``alembic -c FILE`` run with ``sqlalchemy.url`` works too, which keeps
the chain usable with stock Alembic tooling.
"""
from alembic import context
import sqlalchemy as sa

config = context.config
attrs = config.attributes

# Each revision commits on its own: a failure in revision N leaves N-1 applied
# and recorded, never an unrecorded half on databases with transactional DDL
# (PostgreSQL, SQLite); MySQL's half is resumed by dbmanage's progress record.
common = dict(
    transaction_per_migration=True,
    on_version_apply=attrs.get('on_version_apply'),
)


def run_offline():
    url = attrs.get('url') or config.get_main_option('sqlalchemy.url')
    context.configure(url=url, literal_binds=True, **common)
    if attrs.get('on_configured'):
        attrs['on_configured'](context.get_context())
    with context.begin_transaction():
        context.run_migrations()


def _announced(steps_fn, before_revision):
    """Call ``before_revision(step)`` before each revision's transaction opens.

    Alembic offers a callback after each revision only; the runner needs one
    before it too (the lock is checked there, so a run that lost its lock
    starts nothing more).
    """
    def steps(heads, migration_context):
        for step in steps_fn(heads, migration_context):
            before_revision(step)
            yield step
    return steps


def run_online(connection):
    # SQLite rolls DDL back too (dbmanage's engines let it; see dburl): one
    # transaction per revision there as on PostgreSQL.
    transactional = True if connection.dialect.name == 'sqlite' else None
    context.configure(connection=connection, transactional_ddl=transactional, **common)
    migration_context = context.get_context()
    if attrs.get('on_configured'):
        attrs['on_configured'](migration_context)
    if attrs.get('before_revision'):
        migration_context._migrations_fn = _announced(
            migration_context._migrations_fn, attrs['before_revision'])
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
elif attrs.get('connection') is not None:
    run_online(attrs['connection'])
else:
    engine = sa.create_engine(config.get_main_option('sqlalchemy.url'),
                              poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        run_online(conn)
        conn.commit()
