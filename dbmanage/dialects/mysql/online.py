"""``--online`` on MySQL and MariaDB (``migrate.online`` drives it).

DDL asks the server for a change writers can go on through: ``LOCK=NONE``
on a single server, ``ALGORITHM=INSTANT`` on a Galera node (where any other
ALTER runs in total order and stalls the whole cluster for its length).
When the server refuses, a large table changes through a shadow copy:

1. ``_dbm_new_<t>`` is created from ``SHOW CREATE TABLE <t>`` (its
   ``<t>_ibfk_N`` keys as ``_dbm_new_<t>_ibfk_N``, which the final rename
   turns back) and the revision's statement is applied to it while empty;
2. triggers on ``<t>`` copy every write into it, and a key-ordered copy
   fills it in batches (each batch its own transaction, throttled on Galera's
   flow control);
3. where other tables reference ``<t>``, each of their foreign keys gets a
   twin ``_dbm_fk_<key>`` on ``_dbm_new_<t>``, added unchecked (the copy holds
   every row by then, and the triggers keep it so);
4. one ``RENAME TABLE`` swaps the copy in (``<t>`` becomes ``_dbm_old_<t>``),
   so a writer waiting for ``<t>`` finds the copy, never no table. The RENAME
   takes the original keys along to the old table and the twins to ``<t>``;
   each original is then dropped and its twin renamed back to it in one
   ALTER, so no referencing row is ever unchecked. The old table goes last.

A statement waits at most ``lock_wait`` seconds for the table's metadata
lock, then gives way to the writers queued behind it and tries again.
A run that dies inside a copy leaves ``_dbm_*`` tables and keys that ``tidy``
takes away or finishes before the next run's first statement.
"""
from __future__ import annotations

import contextlib
import logging
import re
import time
import typing

import sqlalchemy as sa

from dbmanage.dialects.mysql import ddl

LOG = logging.getLogger(__name__)

batches = True
#: Nothing to add to an online run's result.
NOTE = None

NEW, OLD, TWIN = '_dbm_new_', '_dbm_old_', '_dbm_fk_'
LOCK_WAIT_TIMEOUT, NOT_SUPPORTED, NOT_SUPPORTED_REASON = 1205, 1845, 1846
#: CREATE TRIGGER refused: no TRIGGER privilege (1142), or SUPER needed with
#: binary logging on (1419), or a privilege missing otherwise (1227).
NO_TRIGGERS = (1142, 1227, 1419)

_ALTER = re.compile(r'^\s*ALTER\s+TABLE\s+`?(\w+)`?\s', re.I)
_ADD_FOREIGN_KEY = re.compile(
    r'\bADD\s+(?:CONSTRAINT\s+`?\w+`?\s+)?FOREIGN\s+KEY\s*(?:`?\w+`?\s*)?\(([^)]*)\)\s*'
    r'REFERENCES\s+`?(\w+)`?\s*\(([^)]*)\)', re.I)
#: Clauses a shadow copy cannot take: key names are unique in a schema.
_NOT_SHADOWED = re.compile(r'\bFOREIGN\s+KEY\b|\bRENAME\b|\bDROP\s+CONSTRAINT\b', re.I)


class _NoTriggers(Exception):
    """The user may not create the shadow copy's triggers."""


def _code(exc) -> int | None:
    """The server's error number, also under oslo.db's classification
    (which turns a lock wait timeout into ``DBDeadlock``)."""
    exc = getattr(exc, 'inner_exception', None) or exc
    orig = getattr(exc, 'orig', exc)
    args = getattr(orig, 'args', ())
    return args[0] if args and isinstance(args[0], int) else None


def _q(name: str) -> str:
    return '`%s`' % name.replace('`', '``')


def _scalar(conn, sql, **params):
    return conn.execute(sa.text(sql), params).scalar()


def estimate_rows(conn, table: str) -> int:
    """The server's estimate, as ``plan`` reads it: no table is counted."""
    from dbmanage.dialects.mysql import plan
    return next((int(rows or 0) for _, rows, _ in plan.table_sizes(conn, [table])), 0)


def primary_key(conn, table: str) -> list[str]:
    rows = conn.execute(sa.text(
        "SELECT column_name FROM information_schema.key_column_usage WHERE table_schema = "
        "DATABASE() AND table_name = :t AND constraint_name = 'PRIMARY' "
        "ORDER BY ordinal_position"), {'t': table})
    return [r[0] for r in rows]


def galera(conn) -> bool:
    from dbmanage.dialects import mysql
    return mysql.galera(conn.connection.dbapi_connection)


def commit(conn) -> None:
    """Commit on the server: Alembic's transaction object stays open, as it
    does across the implicit commits of DDL."""
    conn.exec_driver_sql('COMMIT')


def rollback(conn) -> None:
    """Roll a batch back on the server (``commit``'s counterpart)."""
    conn.exec_driver_sql('ROLLBACK')


@contextlib.contextmanager
def batch_session(conn):
    """READ COMMITTED while batches run: an UPDATE then locks only the rows
    it changes, not every row it reads."""
    try:
        before = _scalar(conn, 'SELECT @@session.transaction_isolation')
    except Exception:   # MariaDB before 11.1, under any classification
        before = _scalar(conn, 'SELECT @@session.tx_isolation')
    commit(conn)
    conn.exec_driver_sql('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED')
    try:
        yield
    finally:
        commit(conn)
        conn.exec_driver_sql('SET SESSION TRANSACTION ISOLATION LEVEL %s'
                             % before.replace('-', ' '))


_paused = {}


def pause(conn, seconds: float) -> None:
    """On a Galera node, wait while flow control holds the cluster back:
    the batch just sent is what a slow node is still applying."""
    if not galera(conn):
        return
    key = id(conn)
    for _ in range(40):
        paused = int(conn.execute(sa.text(
            "SHOW GLOBAL STATUS LIKE 'wsrep_flow_control_paused_ns'")).first()[1] or 0)
        queue = int(conn.execute(sa.text(
            "SHOW GLOBAL STATUS LIKE 'wsrep_local_send_queue'")).first()[1] or 0)
        last, _paused[key] = _paused.get(key, paused), paused
        if paused == last and queue < 2:
            return
        time.sleep(min(max(seconds, 0.05) * 2, 1.0))


# -- DDL ---------------------------------------------------------------------------


def _sql(conn, construct) -> str:
    if isinstance(construct, str):
        return construct
    return str(construct.compile(dialect=conn.dialect))


def _as_alter(sql):
    """(table, the statement as ALTER TABLE ...) or None."""
    sql = ddl.as_alter(sql).rstrip().rstrip(';')
    found = _ALTER.match(sql)
    return (found.group(1), sql) if found else None


def alter(online, construct, run, fence):
    """Run one DDL statement of a revision online; anything else as it is."""
    conn = online.conn
    found = _as_alter(_sql(conn, construct))
    if found is None or not online.large(found[0]):
        fence('statement')
        return run(construct)
    table, statement = found
    on_galera = galera(conn)
    ask = ', ALGORITHM=INSTANT' if on_galera else ', LOCK=NONE'
    try:
        return _ddl(conn, statement + ask, fence, online.settings.lock_wait)
    except Exception as exc:
        if _code(exc) not in (NOT_SUPPORTED, NOT_SUPPORTED_REASON):
            raise
        reason = str(getattr(exc, 'orig', exc)).split('Reason:')[-1].strip(' ")\'.')
    if not on_galera and _ADD_FOREIGN_KEY.search(statement):
        done = _foreign_key_unchecked(online, table, statement, fence)
        if done is not _NOT_DONE:
            return done
    why = _unshadowable(conn, table, statement)
    if why is None:
        try:
            return _shadow(online, table, statement, fence)
        except _NoTriggers as exc:
            why = str(exc)
    if on_galera and ' DROP INDEX ' in statement.upper():
        # Metadata only, and over in moments.
        return _ddl(conn, statement + ', LOCK=NONE', fence, online.settings.lock_wait)
    # Worth a warning only where it blocks for long.
    log = LOG.warning if estimate_rows(conn, table) >= online.settings.rows else LOG.info
    log('%s: the server cannot change it without blocking writes (%s) and a shadow copy '
        'cannot either (%s); running it as it is', table, reason, why)
    fence('statement on %s' % table)
    return run(construct)


def _ddl(conn, statement, fence, lock_wait):
    """A DDL statement that waits at most ``lock_wait`` s for its table lock, again and
    again: waiting longer would queue every writer behind it."""
    from dbmanage.db import retry
    before = _scalar(conn, 'SELECT @@session.lock_wait_timeout')
    conn.exec_driver_sql('SET SESSION lock_wait_timeout = %d' % max(1, round(lock_wait)))

    def attempt():
        fence('statement: %s' % statement[:80])
        return conn.exec_driver_sql(statement)
    try:
        return retry.give_way(attempt, lambda exc: _code(exc) == LOCK_WAIT_TIMEOUT, statement)
    finally:
        conn.exec_driver_sql('SET SESSION lock_wait_timeout = %d' % int(before))


_NOT_DONE = object()


def _foreign_key_unchecked(online, table, statement, fence):
    """Add a foreign key the way the server does online: unchecked
    (``foreign_key_checks = 0``), once a read found no row it would refuse.
    With such a row, or where even that needs a copy, ``_NOT_DONE``: the
    statement then runs as it is, and fails or blocks as it would plain."""
    conn = online.conn
    found = _ADD_FOREIGN_KEY.search(statement)
    if len(_ADD_FOREIGN_KEY.findall(statement)) != 1:
        return _NOT_DONE
    columns, parent, keys = ([c.strip(' `') for c in found.group(1).split(',')], found.group(2),
                             [c.strip(' `') for c in found.group(3).split(',')])
    orphan = _scalar(conn, 'SELECT 1 FROM %s c LEFT JOIN %s p ON %s WHERE %s AND p.%s IS NULL '
                           'LIMIT 1' % (_q(table), _q(parent), ' AND '.join(
                               'c.%s = p.%s' % (_q(a), _q(b)) for a, b in zip(columns, keys)),
                                         ' AND '.join('c.%s IS NOT NULL' % _q(a)
                                                      for a in columns), _q(keys[0])))
    if orphan:
        return _NOT_DONE
    conn.exec_driver_sql('SET SESSION foreign_key_checks = 0')
    try:
        return _ddl(conn, statement + ', ALGORITHM=INPLACE, LOCK=NONE', fence,
                    online.settings.lock_wait)
    except Exception as exc:
        if _code(exc) not in (NOT_SUPPORTED, NOT_SUPPORTED_REASON):
            raise
        return _NOT_DONE
    finally:
        conn.exec_driver_sql('SET SESSION foreign_key_checks = 1')


class _Key(typing.NamedTuple):
    """A foreign key of ``child``, as SHOW CREATE TABLE writes it."""
    child: str
    name: str
    columns: str
    parent: str
    keys: str
    actions: str

    def definition(self, name, parent, index=None):
        """The key as ADD takes it; with ``index``, the key the server makes
        for it is named so. MariaDB then reads ``CONSTRAINT <index> FOREIGN
        KEY <name>`` the other way round: the constraint is ``name``."""
        if index:
            return 'CONSTRAINT %s FOREIGN KEY %s (%s) REFERENCES %s (%s)%s' % (
                _q(index), _q(name), self.columns, _q(parent), self.keys, self.actions)
        return 'CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s)%s' % (
            _q(name), self.columns, _q(parent), self.keys, self.actions)


_FOREIGN_KEY = re.compile(r'^\s*CONSTRAINT `([^`]+)` FOREIGN KEY \(([^)]*)\) REFERENCES '
                          r'`([^`]+)` \(([^)]*)\)(.*?),?$', re.M)


def _foreign_keys(conn, child):
    return [_Key(child, *found) for found in _FOREIGN_KEY.findall(_create_of(conn, child))]


def _referencing_keys(conn, table):
    """The foreign keys of other tables that reference ``table``."""
    rows = conn.execute(sa.text(
        'SELECT DISTINCT table_name FROM information_schema.referential_constraints '
        'WHERE constraint_schema = DATABASE() AND referenced_table_name = :t '
        'AND table_name <> :t ORDER BY table_name'), {'t': table})
    return [key for child in [r[0] for r in rows] for key in _foreign_keys(conn, child)
            if key.parent == table]


def _unshadowable(conn, table, statement) -> str | None:
    """Why a shadow copy cannot make this change, or None if it can."""
    if len(NEW + table) > 64:
        return 'its name is too long'
    if _NOT_SHADOWED.search(statement):
        return 'the statement names a foreign key or renames'
    if len(primary_key(conn, table)) != 1:
        return 'it has no one-column primary key'
    create = _create_of(conn, table)
    named = re.findall(r'CONSTRAINT `([^`]+)` FOREIGN KEY', create)
    if any(not name.startswith(table + '_ibfk_') for name in named):
        return 'it has a foreign key named by hand'
    if _generated_keys(create):
        # A copy would make them ordinary keys, which a later index on the same
        # columns no longer replaces as it replaces a generated one.
        return 'it has keys the server made for foreign keys'
    if _scalar(conn, 'SELECT COUNT(*) FROM information_schema.triggers WHERE '
                     'event_object_schema = DATABASE() AND event_object_table = :t', t=table):
        return 'it has triggers'
    return _children_unshadowable(_referencing_keys(conn, table))


def _children_unshadowable(keys) -> str | None:
    for key in keys:
        if len(TWIN + key.name) > 64:
            return 'the name of the foreign key %s of %s is too long' % (key.name, key.child)
        if re.search(r'ON UPDATE (CASCADE|SET)', key.actions):
            # A changed key would reach the children before the copy has it.
            return 'the foreign key %s of %s follows key changes' % (key.name, key.child)
    return None


def _retarget(statement, table):
    """The ALTER TABLE ``statement`` applied to ``table`` instead."""
    found = _ALTER.match(statement)
    start, end = found.span(1)
    if statement[start - 1] == '`':
        start, end = start - 1, end + 1
    return statement[:start] + _q(table) + statement[end:]


def _generated_keys(create):
    """Keys that look made by the server for a foreign key: named after the
    key's constraint or its first column, on exactly its columns."""
    found = []
    for name, columns in re.findall(r'CONSTRAINT `([^`]+)` FOREIGN KEY \(([^)]*)\)', create):
        found += [key for key in [_generated_key(create, name, columns)] if key]
    return found


def _generated_key(create, name, columns):
    """The key the server made for the foreign key ``name`` on ``columns``, or None."""
    keys = dict(re.findall(r'^\s*KEY `([^`]+)` \(([^)]*)\)', create, re.M))
    first = columns.split(',')[0].strip().strip('`')
    for key in (name, first):
        if keys.get(key, '').replace(' ', '') == columns.replace(' ', ''):
            return key
    return None


def _create_of(conn, table):
    return conn.execute(sa.text('SHOW CREATE TABLE %s' % _q(table))).first()[1]


def _columns(conn, table):
    rows = conn.execute(sa.text(
        'SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() '
        'AND table_name = :t ORDER BY ordinal_position'), {'t': table})
    return [r[0] for r in rows]


def _triggers(table):
    return ['_dbm_%s_%s' % (kind, table)[:64] for kind in ('i', 'u', 'd')]


def _shadow(online, table, statement, fence):
    from dbmanage.migrate import online as driver
    conn = online.conn
    new = NEW + table
    create = _create_of(conn, table)
    create = create.replace('CREATE TABLE %s' % _q(table), 'CREATE TABLE %s' % _q(new), 1)
    create = create.replace('CONSTRAINT `%s_ibfk_' % table, 'CONSTRAINT `%s_ibfk_' % new)
    create = create.replace('REFERENCES %s ' % _q(table), 'REFERENCES %s ' % _q(new))
    commit(conn)
    conn.exec_driver_sql('SET SESSION foreign_key_checks = 0')
    try:
        fence('shadow copy of %s' % table)
        conn.exec_driver_sql(create)
        fence('shadow copy of %s' % table)
        conn.exec_driver_sql(_retarget(statement, new))
    finally:
        conn.exec_driver_sql('SET SESSION foreign_key_checks = 1')
    pk = primary_key(conn, table)[0]
    columns = [c for c in _columns(conn, table) if c in set(_columns(conn, new))]
    names = ', '.join(map(_q, columns))
    values = ', '.join('NEW.%s' % _q(c) for c in columns)
    upsert = 'INSERT INTO %s (%s) VALUES (%s) ON DUPLICATE KEY UPDATE %s' % (
        _q(new), names, values, ', '.join('%s = VALUES(%s)' % (_q(c), _q(c)) for c in columns))
    insert, update, delete = _triggers(table)
    # No REPLACE: its delete would cascade into the copy's referencing rows.
    try:
        for name, body in (
                (insert, 'AFTER INSERT ON %s FOR EACH ROW %s' % (_q(table), upsert)),
                (update, 'AFTER UPDATE ON %s FOR EACH ROW BEGIN DELETE FROM %s WHERE '
                         '%s = OLD.%s AND OLD.%s <> NEW.%s; %s; END'
                         % (_q(table), _q(new), _q(pk), _q(pk), _q(pk), _q(pk), upsert)),
                (delete, 'AFTER DELETE ON %s FOR EACH ROW DELETE FROM %s WHERE %s = OLD.%s'
                         % (_q(table), _q(new), _q(pk), _q(pk)))):
            _ddl(conn, 'CREATE TRIGGER %s %s' % (_q(name), body), fence,
                 online.settings.lock_wait)
    except Exception as exc:
        if _code(exc) not in NO_TRIGGERS:
            raise
        fence('dropping the shadow copy of %s' % table)
        _drop_shadow(conn, table)
        raise _NoTriggers('triggers are not allowed here: %s' % str(exc.orig).split(', ', 1)[-1]
                          .strip('()"\''))
    progress = driver.Progress(online.revision, table, 'copy',
                               total=estimate_rows(conn, table))
    _copy(online, table, new, pk, names, progress, fence)
    keys = {}
    for key in _referencing_keys(conn, table):
        # A key the server made for a foreign key is made again for the
        # newest one on its columns, under that one's name unless told.
        keys[key] = _generated_key(_create_of(conn, key.child), key.name, key.columns)
        _unchecked(conn, 'ALTER TABLE %s ADD %s' % (_q(key.child), key.definition(
            TWIN + key.name, new, keys[key])), fence, online.settings.lock_wait)
    _cut_over(online, table, new, keys, fence)
    online.copied(progress)


def _copy(online, table, new, pk, names, progress, fence):
    from dbmanage.db import retry
    conn, size, after = online.conn, online.settings.batch, None
    while True:
        upper = _scalar(conn, 'SELECT %s FROM %s %s ORDER BY %s LIMIT 1 OFFSET %d' % (
            _q(pk), _q(table), 'WHERE %s > :a' % _q(pk) if after is not None else '', _q(pk),
            size - 1), a=after)
        where = ' AND '.join(filter(None, (
            '%s > :a' % _q(pk) if after is not None else None,
            '%s <= :u' % _q(pk) if upper is not None else None))) or '1 = 1'
        started = time.monotonic()

        def run_batch():
            fence('copying %s' % table)
            # Shared locks on the batch's rows: a write to one of them waits
            # for this batch, then its trigger brings the copy up to date.
            copied = conn.execute(sa.text(
                'INSERT IGNORE INTO %s (%s) SELECT %s FROM %s WHERE %s LOCK IN SHARE MODE'
                % (_q(new), names, names, _q(table), where)),
                {'a': after, 'u': upper}).rowcount
            commit(conn)
            return copied
        copied = retry.lost_batch(run_batch, lambda: rollback(conn), 'copy of %s' % table)
        online.progressed(progress, copied)
        pause(conn, time.monotonic() - started)
        if upper is None:
            return
        after = upper


def _cut_over(online, table, new, keys, fence):
    """One RENAME TABLE swaps the copy in: writers waiting for the table
    find the copy when they get it, never no table."""
    old = OLD + table
    _ddl(online.conn, 'RENAME TABLE %s TO %s, %s TO %s' % (_q(table), _q(old), _q(new),
                                                          _q(table)),
         fence, online.settings.lock_wait)
    for key, index in keys.items():
        _untwin(online.conn, key, table, index, fence, online.settings.lock_wait)
    fence('dropping the old %s' % table)
    online.conn.exec_driver_sql('DROP TABLE %s' % _q(old))


def _untwin(conn, key, table, index, fence, lock_wait):
    """After the swap: drop the original of ``key`` (it follows the old
    table), and give its twin, which references ``table``, its name back.
    Where the server made the key's index itself (``index``) it makes it again
    under the same name: a RENAME INDEX would turn it into an ordinary key,
    which a later index on its columns no longer replaces."""
    _ddl(conn, 'ALTER TABLE %s DROP FOREIGN KEY %s' % (_q(key.child), _q(key.name)), fence,
         lock_wait)
    _unchecked(conn, 'ALTER TABLE %s DROP FOREIGN KEY %s, ADD %s' % (
        _q(key.child), _q(TWIN + key.name), key.definition(key.name, table, index)),
        fence, lock_wait)


def _unchecked(conn, statement, fence, lock_wait):
    """A foreign key added without reading the rows: the server then adds it
    in place, in moments, where the rows are known to hold."""
    conn.exec_driver_sql('SET SESSION foreign_key_checks = 0')
    try:
        _ddl(conn, statement, fence, lock_wait)
    finally:
        conn.exec_driver_sql('SET SESSION foreign_key_checks = 1')


# -- what plan says -----------------------------------------------------------

def forecast(conn, op, settings) -> dict:
    """What ``upgrade`` with ``settings`` does with one plan operation
    (``way``), the longest write wait it expects, and whether writers still
    wait for the whole statement (``blocks``)."""
    from dbmanage.migrate import online as driver
    large = settings.mode == 'always' or (
        settings.mode == 'auto' and op['rows'] >= settings.rows)
    sql = op['sql'][0] if op['sql'] else ''
    if not large or not op['table']:
        return _as_is(op)
    if op['kind'] == 'execute' and driver.batchable_sql(sql):
        return driver.batches_forecast(settings)
    if op['algorithm'] is None or op['kind'] == 'rename_table':
        return _as_is(op)
    on_galera = galera(conn)
    if op['algorithm'] == 'INSTANT' or (op['lock'] == 'NONE' and not on_galera):
        return {'way': 'ALGORITHM=INSTANT' if on_galera else 'LOCK=NONE', 'blocks': False,
                'wait_s': settings.lock_wait,
                'writes_wait': 'the metadata lock at its start and end; it waits at most '
                               '%.1f s for it, then retries' % settings.lock_wait}
    if op['kind'] == 'add_constraint' and op['details'].get('type') == 'foreign_key' and \
            not on_galera:
        return {'way': 'LOCK=NONE, rows checked first', 'blocks': False,
                'wait_s': settings.lock_wait,
                'writes_wait': 'the metadata lock at its start and end; it waits at most '
                               '%.1f s for it, then retries' % settings.lock_wait}
    # Only what holds whatever earlier pending revisions do to the table: its
    # keys and foreign keys may still change before this operation runs.
    why = 'it names a foreign key' if op['details'].get('type') == 'foreign_key' else None
    if why is None and len(NEW + op['table']) > 64:
        why = 'its name is too long'
    if why is None and _NOT_SHADOWED.search(sql):
        why = 'the statement names a foreign key or renames'
    if why is None:
        why = _children_unshadowable(_referencing_keys(conn, op['table']))
    if why is None:
        return {'way': 'shadow copy', 'blocks': False, 'wait_s': settings.lock_wait + 0.1,
                'writes_wait': 'the cut-over: at most %.1f s waiting for its lock, then one '
                               'RENAME TABLE' % settings.lock_wait}
    return _as_is(op, why, total_order=on_galera)


def _as_is(op, why=None, total_order=False):
    # In total order a DDL statement holds every write of the cluster back.
    blocks = bool((op['blocks_writes'] or total_order) and op['rows'])
    found = {'way': 'as is', 'blocks': blocks, 'wait_s': 0.0,
             'writes_wait': ('the whole statement, on every node' if total_order else
                             'the whole statement') if blocks
             else 'row locks until it commits' if op['kind'] in ('execute', 'bulk_insert')
             else 'none'}
    if why:
        found['why'] = 'no shadow copy: %s' % why
    return found


def tidy(conn) -> None:
    """Take away or finish what a run that died inside a shadow copy left:
    before the swap the copy, its triggers and the twin keys that reference
    it; after it the twins not yet renamed back, and the old table."""
    for key in _twins(conn):
        name = key.name[len(TWIN):]
        if key.parent.startswith(NEW):
            LOG.warning('dropping the foreign key %s of %s, left by an interrupted online '
                        'upgrade', key.name, key.child)
            conn.exec_driver_sql('ALTER TABLE %s DROP FOREIGN KEY %s' % (_q(key.child),
                                                                         _q(key.name)))
            continue
        index = _generated_key(_create_of(conn, key.child), name, key.columns)
        LOG.warning('giving the foreign key %s of %s its name %s back, after an interrupted '
                    'online upgrade', key.name, key.child, name)
        if any(k.name == name for k in _foreign_keys(conn, key.child)):
            conn.exec_driver_sql('ALTER TABLE %s DROP FOREIGN KEY %s' % (_q(key.child),
                                                                         _q(name)))
        conn.exec_driver_sql('SET SESSION foreign_key_checks = 0')
        conn.exec_driver_sql('ALTER TABLE %s DROP FOREIGN KEY %s, ADD %s' % (
            _q(key.child), _q(key.name), key.definition(name, key.parent, index)))
        conn.exec_driver_sql('SET SESSION foreign_key_checks = 1')
    rows = conn.execute(sa.text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
        "AND (table_name LIKE '\\_dbm\\_new\\_%' OR table_name LIKE '\\_dbm\\_old\\_%')"))
    leftovers = [r[0] for r in rows]
    for name in leftovers:
        LOG.warning('dropping %s, left by an interrupted online upgrade', name)
        _drop_shadow(conn, name[len(NEW):], name)
    if leftovers:
        commit(conn)


def _twins(conn):
    """The twin keys an online run added to referencing tables."""
    rows = conn.execute(sa.text(
        "SELECT DISTINCT table_name FROM information_schema.referential_constraints "
        "WHERE constraint_schema = DATABASE() AND constraint_name LIKE '\\_dbm\\_fk\\_%' "
        "AND table_name NOT LIKE '\\_dbm\\_%'"))
    return [key for child in [r[0] for r in rows] for key in _foreign_keys(conn, child)
            if key.name.startswith(TWIN)]


def _drop_shadow(conn, table, name=None):
    for trigger in _triggers(table):
        conn.exec_driver_sql('DROP TRIGGER IF EXISTS %s' % _q(trigger))
    conn.exec_driver_sql('SET SESSION foreign_key_checks = 0')
    conn.exec_driver_sql('DROP TABLE IF EXISTS %s' % _q(name or NEW + table))
    conn.exec_driver_sql('SET SESSION foreign_key_checks = 1')
