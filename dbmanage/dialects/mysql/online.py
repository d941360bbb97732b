"""``--online`` on MySQL and MariaDB (``migrate.online`` drives it).

DDL asks the server for a change writers can go on through: ``LOCK=NONE``
on a single server, ``ALGORITHM=INSTANT`` on a Galera node (where any other
ALTER runs in total order and stalls the whole cluster for its length).
When the server refuses, a large table changes through a shadow copy:

1. ``_dbm_new_<t>`` is created from ``SHOW CREATE TABLE <t>`` and the
   revision's statement is applied to it while empty. Foreign key names are
   unique in a schema: ``<t>``'s own keys named by hand are first renamed
   ``_dbm_was_<key>`` (a change of metadata only), so the copy takes their
   names; its ``<t>_ibfk_N`` keys are made as ``_dbm_new_<t>_ibfk_N``, which
   the final rename turns back. Keys the server made for foreign keys are
   left for the server to make again on the copy, so they stay the server's
   (a later index on their columns replaces them). The copy must come out as
   ``<t>`` is, or it is dropped and the statement runs as it is;
2. triggers on ``<t>`` copy every write into it, and a key-ordered copy
   fills it in batches (each batch its own transaction; on Galera the next
   one waits for every node to apply the last, and for flow control). On Galera
   the triggers are made on each node outside replication (``nodes``), all
   of them before the first batch, and the copy goes on only while no node
   leaves or joins the cluster;
3. where other tables reference ``<t>``, each of their foreign keys is
   replaced, in one ALTER, by a twin ``_dbm_fk_<key>`` that references
   ``_dbm_new_<t>``, added unchecked (the copy holds every row by then, and
   the triggers keep it so, within the writer's own transaction too);
4. one ``RENAME TABLE`` swaps the copy in (``<t>`` becomes ``_dbm_old_<t>``),
   so a writer waiting for ``<t>`` finds the copy, never no table. The RENAME
   takes the twins along to ``<t>``, and each twin gets the original's name
   back in one ALTER, so no referencing row is ever unchecked, and none is
   checked against the old table, which no longer sees new rows. The old
   table goes last, with the renamed keys and the triggers (on Galera each
   node drops its own, outside replication).

A statement waits at most ``lock_wait`` seconds for the table's metadata
lock, then gives way to the writers queued behind it and tries again.
A run that dies inside a copy leaves ``_dbm_*`` tables and keys that ``tidy``
takes away, names back or finishes before the next run's first statement.
"""
from __future__ import annotations

import contextlib
import logging
import re
import time
import typing

import sqlalchemy as sa

from dbmanage import errors
from dbmanage.dialects.mysql import ddl
from dbmanage.dialects.mysql import nodes as cluster

LOG = logging.getLogger(__name__)

batches = True
#: Nothing to add to an online run's result.
NOTE = None

NEW, OLD, TWIN, AWAY = '_dbm_new_', '_dbm_old_', '_dbm_fk_', '_dbm_was_'
LOCK_WAIT_TIMEOUT, NOT_SUPPORTED, NOT_SUPPORTED_REASON = 1205, 1845, 1846
#: A statement outside replication that held a lock a node's applier needed
#: is killed by it (MariaDB's atomic DDL leaves nothing of it done).
INTERRUPTED = 1317
#: The table's triggers, as the session holds them open, do not parse.
UNREADABLE_TRIGGERS = 1064
#: Flushes of a table whose triggers a node reads back unreadable: a trigger
#: file that is itself broken fails the statement after these.
FLUSHES = 3
#: CREATE TRIGGER refused: no TRIGGER privilege (1142), or SUPER needed with
#: binary logging on (1419), or a privilege missing otherwise (1227).
NO_TRIGGERS = (1142, 1227, 1419)

_ALTER = re.compile(r'^\s*ALTER\s+TABLE\s+`?(\w+)`?\s', re.I)
_ADD_FOREIGN_KEY = re.compile(
    r'\bADD\s+(?:CONSTRAINT\s+`?\w+`?\s+)?FOREIGN\s+KEY\s*(?:`?\w+`?\s*)?\(([^)]*)\)\s*'
    r'REFERENCES\s+`?(\w+)`?\s*\(([^)]*)\)', re.I)
#: Clauses a shadow copy cannot take.
_NOT_SHADOWED = re.compile(r'\bRENAME\b|\bDROP\s+CONSTRAINT\b', re.I)


#: Why no shadow copy on Galera where a node cannot be reached, or used outside replication.
EACH_NODE = 'on Galera its triggers are made on each node, and %s'


class _Refused(Exception):
    """A shadow copy cannot make this change after all; the message says why
    (``_give_up``)."""


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
    it changes, not every row it reads. Yields the pause after each batch
    (``Throttle``)."""
    try:
        before = _scalar(conn, 'SELECT @@session.transaction_isolation')
    except Exception:   # MariaDB before 11.1, under any classification
        before = _scalar(conn, 'SELECT @@session.tx_isolation')
    commit(conn)
    conn.exec_driver_sql('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED')
    nodes = None
    if galera(conn):
        try:
            nodes = cluster.Nodes(conn, outside_replication=False)
        except cluster.Unreachable as exc:
            LOG.info('batches wait for flow control only, not for each node to apply '
                     'them: %s', exc)
    try:
        yield Throttle(conn, nodes)
    finally:
        if nodes is not None:
            nodes.close()
        commit(conn)
        conn.exec_driver_sql('SET SESSION TRANSACTION ISOLATION LEVEL %s'
                             % before.replace('-', ' '))


class Throttle:
    """What the next batch waits for on Galera: every other node having
    begun to apply the last one (``nodes.QUEUED``), then flow control
    letting the cluster go on.

    A node commits its own writers' transactions only after the write sets
    ordered before them, so each batch it has still to apply is a wait for
    them; flow control alone lets a node fall ``gcs.fc_limit`` write sets
    (16 by default: seconds of batches) behind.
    """

    def __init__(self, conn, nodes=None):
        self.conn, self.nodes = conn, nodes
        self.on_galera = galera(conn)
        self.paused = None

    def __call__(self, seconds: float) -> None:
        """Pause after a batch that took ``seconds``."""
        if not self.on_galera:
            return
        if self.nodes is not None:
            self.nodes.others_applied()
        for _ in range(40):
            paused = int(self.conn.execute(sa.text(
                "SHOW GLOBAL STATUS LIKE 'wsrep_flow_control_paused_ns'")).first()[1] or 0)
            queue = int(self.conn.execute(sa.text(
                "SHOW GLOBAL STATUS LIKE 'wsrep_local_send_queue'")).first()[1] or 0)
            last, self.paused = self.paused if self.paused is not None else paused, paused
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
    if _ADD_FOREIGN_KEY.search(statement):
        done = _foreign_key_unchecked(online, table, statement, fence, on_galera)
        if done is not _NOT_DONE:
            return done
    why = _unshadowable(conn, table, statement)
    if why is None:
        try:
            return _shadow(online, table, statement, fence)
        except _Refused as exc:
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


def _when_free(session, statement, fence, table=None):
    """A statement on a Galera node's own session (``nodes``), which takes
    its table lock only when it is free at once, and tries again where the
    node's applier took it back.

    A node may also hold ``table`` open with its triggers read back
    unreadable, its trigger file sound (seldom, during copies, on MariaDB
    10.11): every statement that checks them fails there with
    ``UNREADABLE_TRIGGERS`` until the table is read again, the services'
    INSERTs as well as a CREATE TRIGGER. The table is then flushed on that
    node alone, and the statement tried again."""
    from dbmanage.db import database
    from dbmanage.db import retry
    flushes, flush_first = 0, False

    def attempt():
        nonlocal flush_first
        fence('statement: %s' % statement[:80])
        if flush_first:
            # A lock taken meanwhile fails it as it fails the statement.
            session.exec_driver_sql('FLUSH LOCAL TABLES %s' % _q(table))
            flush_first = False
        return session.exec_driver_sql(statement)

    def again(exc):
        nonlocal flushes, flush_first
        if table is not None and _unreadable_triggers(exc) and flushes < FLUSHES:
            url = session.engine.url
            LOG.warning('%s: node %s:%s read the triggers of the table back unreadable (%s); '
                        'flushing the table there and trying again', table, url.host, url.port,
                        database.one_line(exc))
            flushes, flush_first = flushes + 1, True
            return True
        return _code(exc) in (LOCK_WAIT_TIMEOUT, INTERRUPTED)
    return retry.when_free(attempt, again, statement)


def _unreadable_triggers(exc) -> bool:
    return _code(exc) == UNREADABLE_TRIGGERS and 'has an error in its body' in str(exc)


_NOT_DONE = object()


def _foreign_key_unchecked(online, table, statement, fence, on_galera):
    """Add a foreign key the way the server does online: unchecked
    (``foreign_key_checks = 0``), once a read found no row it would refuse.
    On Galera only where that is a change of metadata (an index on its
    columns is there): building one would hold the cluster in total order.
    With such a row, or where even that needs a copy, ``_NOT_DONE``: the
    statement then goes on to a shadow copy, or runs as it is, and fails or
    blocks as it would plain."""
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
        return _ddl(conn, statement + (', ALGORITHM=INSTANT' if on_galera else
                                       ', ALGORITHM=INPLACE, LOCK=NONE'),
                    fence, online.settings.lock_wait)
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
        return 'the statement renames or drops a constraint'
    if re.search(r'\bREFERENCES\s+`?%s`?\s*\(' % re.escape(table), statement, re.I):
        return 'the statement adds a foreign key to the table itself'
    if len(primary_key(conn, table)) != 1:
        return 'it has no one-column primary key'
    if _scalar(conn, 'SELECT COUNT(*) FROM information_schema.triggers WHERE '
                     'event_object_schema = DATABASE() AND event_object_table = :t', t=table):
        return 'it has triggers'
    return _own_unshadowable(_own_keys(_create_of(conn, table), table)) or \
        _children_unshadowable(_referencing_keys(conn, table))


def _own_unshadowable(own) -> str | None:
    for key, index in own:
        if _ibfk_number(key) is None:
            if len(AWAY + key.name) > 64:
                return 'the name of its foreign key %s is too long' % key.name
            if index not in (None, key.name):
                # The copy's key would be made under the constraint's name.
                return 'the server named the key of its foreign key %s apart' % key.name
    return None


def _children_unshadowable(keys) -> str | None:
    for key in keys:
        if len(TWIN + key.name) > 64:
            return 'the name of the foreign key %s of %s is too long' % (key.name, key.child)
        if re.search(r'ON UPDATE (CASCADE|SET)', key.actions):
            # A changed key would reach the children before the copy has it.
            return 'the foreign key %s of %s follows key changes' % (key.name, key.child)
    return None


def _generated_key(create, name, columns):
    """The key the server made for the foreign key ``name`` on ``columns``, or
    None. The server drops such a key when an index on the same leading
    columns comes, so one that has such an index beside it was made by hand."""
    columns = columns.replace(' ', '')
    keys = [(key or '', cols.replace(' ', '')) for key, cols in re.findall(
        r'^\s*(?:PRIMARY |UNIQUE )?KEY (?:`([^`]+)` )?\(([^)]*)\)', create, re.M)]
    first = columns.split(',')[0].strip('`')
    for key in (name, first):
        if (key, columns) in keys and not any(
                other != key and (cols + ',').startswith(columns + ',')
                for other, cols in keys):
            return key
    return None


def _create_of(conn, table):
    return conn.execute(sa.text('SHOW CREATE TABLE %s' % _q(table))).first()[1]


def _unique_on(conn, table, column) -> bool:
    """Has ``table`` a primary or unique key on ``column`` alone?"""
    rows = conn.execute(sa.text(
        'SELECT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() '
        'AND table_name = :t AND non_unique = 0 GROUP BY index_name '
        'HAVING COUNT(*) = 1 AND MAX(column_name) = :c'), {'t': table, 'c': column})
    return rows.first() is not None


def _columns(conn, table):
    rows = conn.execute(sa.text(
        'SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() '
        'AND table_name = :t ORDER BY ordinal_position'), {'t': table})
    return [r[0] for r in rows]


def _triggers(table):
    return ['_dbm_%s_%s' % (kind, table)[:64] for kind in ('i', 'u', 'd')]


def _ibfk_number(key) -> int | None:
    """N of a key the server named ``<table>_ibfk_N``, else None."""
    found = re.fullmatch(r'%s_ibfk_(\d+)' % re.escape(key.child), key.name)
    return int(found.group(1)) if found else None


def _own_keys(create, table):
    """The foreign keys of ``table`` (in ``create``, its SHOW CREATE TABLE),
    each with the key the server made for it, or None."""
    return [(key, _generated_key(create, key.name, key.columns))
            for key in (_Key(table, *found) for found in _FOREIGN_KEY.findall(create))]


def _copy_definition(create, table, own):
    """CREATE TABLE of the empty copy of ``table``, whose hand-named keys are
    set aside. The server makes the keys it made for foreign keys again, and
    numbers the unnamed ones as it numbered them: that the copy comes out as
    the table is, ``_shape`` checks."""
    new = NEW + table
    made = {index for _, index in own if index}
    lines = create.splitlines()
    body = [line.strip().rstrip(',') for line in lines[1:-1]]
    body = [line for line in body if not _FOREIGN_KEY.match(line) and not any(
        line.startswith('KEY %s ' % _q(index)) for index in made)]
    for key, index in sorted(own, key=lambda ki: _ibfk_number(ki[0]) or 0):
        references = 'REFERENCES %s (%s)%s' % (
            _q(new if key.parent == table else key.parent), key.keys, key.actions)
        number = _ibfk_number(key)
        if number is not None and index:
            body.append('FOREIGN KEY (%s) %s' % (key.columns, references))
        else:
            name = '%s_ibfk_%d' % (new, number) if number is not None else key.name
            body.append('CONSTRAINT %s FOREIGN KEY (%s) %s' % (_q(name), key.columns,
                                                               references))
    head = lines[0].replace('CREATE TABLE %s' % _q(table), 'CREATE TABLE %s' % _q(new), 1)
    return '%s\n  %s\n%s' % (head, ',\n  '.join(body), lines[-1])


def _shape(create, renames):
    """SHOW CREATE TABLE text as lines to compare: names changed by
    ``renames``, without the table's name, key order or AUTO_INCREMENT."""
    for before, after in renames:
        create = create.replace(before, after)
    return sorted(' '.join(word for word in line.split() if not word.startswith(
        'AUTO_INCREMENT=')).rstrip(',') for line in create.splitlines()[1:])


def _set_aside(conn, table, own, fence, lock_wait):
    """Rename ``table``'s hand-named foreign keys ``_dbm_was_<key>``, in one
    ALTER that changes metadata only: the copy then takes their names."""
    clauses = ['DROP FOREIGN KEY %s, ADD %s' % (_q(key.name), key.definition(
        AWAY + key.name, key.parent, index)) for key, index in own if _ibfk_number(key) is None]
    if clauses:
        _unchecked(conn, 'ALTER TABLE %s %s' % (_q(table), ', '.join(clauses)), fence,
                   lock_wait)


def _put_back(conn, table, fence, lock_wait):
    """Give the foreign keys ``_set_aside`` renamed their names back."""
    create = _create_of(conn, table)
    clauses = []
    for key in _foreign_keys(conn, table):
        if key.name.startswith(AWAY):
            name = key.name[len(AWAY):]
            clauses.append('DROP FOREIGN KEY %s, ADD %s' % (_q(key.name), key.definition(
                name, key.parent, _generated_key(create, name, key.columns))))
    if clauses:
        _unchecked(conn, 'ALTER TABLE %s %s' % (_q(table), ', '.join(clauses)), fence,
                   lock_wait)


def _retarget(statement, table, new):
    """The ALTER TABLE ``statement`` of ``table`` applied to its copy ``new``."""
    found = _ALTER.match(statement)
    start, end = found.span(1)
    if statement[start - 1] == '`':
        start, end = start - 1, end + 1
    statement = statement[:start] + _q(new) + statement[end:]
    # The copy's keys the server named are named after the copy.
    return re.sub(r'(\bDROP\s+FOREIGN\s+KEY\s+`?)%s_ibfk_' % re.escape(table),
                  lambda m: m.group(1) + new + '_ibfk_', statement, flags=re.I)


def _shadow(online, table, statement, fence):
    nodes = None
    if galera(online.conn):
        try:
            nodes = cluster.Nodes(online.conn)
        except cluster.Unreachable as exc:
            raise _Refused(EACH_NODE % exc)
    try:
        _shadow_on(online, table, statement, fence, nodes)
    finally:
        if nodes is not None:
            nodes.close()


def _shadow_on(online, table, statement, fence, nodes):
    """The shadow copy, its triggers made on each of ``nodes`` (on Galera)
    or through the run's connection."""
    from dbmanage.migrate import online as driver
    conn, lock_wait = online.conn, online.settings.lock_wait
    new = NEW + table
    create = _create_of(conn, table)
    own = _own_keys(create, table)
    commit(conn)
    _set_aside(conn, table, own, fence, lock_wait)
    conn.exec_driver_sql('SET SESSION foreign_key_checks = 0')
    try:
        fence('shadow copy of %s' % table)
        conn.exec_driver_sql(_copy_definition(create, table, own))
        if _shape(_create_of(conn, new), [(_q(new), _q(table)), (
                '`%s_ibfk_' % new, '`%s_ibfk_' % table)]) != _shape(create, []):
            raise _give_up(conn, table, fence, lock_wait,
                           'its copy does not come out as it is', nodes)
        fence('shadow copy of %s' % table)
        conn.exec_driver_sql(_retarget(statement, table, new))
        pk = primary_key(conn, table)[0]
        if not _unique_on(conn, new, pk):
            # The triggers and the batches merge a row with its copy by the
            # copy's key on it: without one, a row written during the copy
            # would be there twice.
            raise _give_up(conn, table, fence, lock_wait,
                           'its copy would have no unique key on %s' % pk, nodes)
    finally:
        conn.exec_driver_sql('SET SESSION foreign_key_checks = 1')
    columns = [c for c in _columns(conn, table) if c in set(_columns(conn, new))]
    names = ', '.join(map(_q, columns))
    values = ', '.join('NEW.%s' % _q(c) for c in columns)
    upsert = 'INSERT INTO %s (%s) VALUES (%s) ON DUPLICATE KEY UPDATE %s' % (
        _q(new), names, values, ', '.join('%s = VALUES(%s)' % (_q(c), _q(c)) for c in columns))
    insert, update, delete = _triggers(table)
    # No REPLACE: its delete would cascade into the copy's referencing rows.
    try:
        for session in nodes.sessions if nodes is not None else [conn]:
            # Before any trigger fires there, the node has the copy as altered.
            if nodes is not None:
                nodes.caught_up(session)
            for name, body in (
                    (insert, 'AFTER INSERT ON %s FOR EACH ROW %s' % (_q(table), upsert)),
                    (update, 'AFTER UPDATE ON %s FOR EACH ROW BEGIN DELETE FROM %s WHERE '
                             '%s = OLD.%s AND OLD.%s <> NEW.%s; %s; END'
                             % (_q(table), _q(new), _q(pk), _q(pk), _q(pk), _q(pk), upsert)),
                    (delete, 'AFTER DELETE ON %s FOR EACH ROW DELETE FROM %s WHERE %s = OLD.%s'
                             % (_q(table), _q(new), _q(pk), _q(pk)))):
                statement = 'CREATE TRIGGER %s %s' % (_q(name), body)
                if nodes is None:
                    _ddl(session, statement, fence, lock_wait)
                else:
                    _when_free(session, statement, fence, table)
    except Exception as exc:
        if _code(exc) not in NO_TRIGGERS:
            raise
        why = str(exc.orig).split(', ', 1)[-1].strip('()"\'')
        raise _give_up(conn, table, fence, lock_wait, 'triggers are not allowed here: %s' % why,
                       nodes)
    if nodes is not None:
        # A write made on another node before its triggers were, and not yet
        # applied here, would reach the table after its batch: never the copy.
        nodes.caught_up(conn)
    progress = driver.Progress(online.revision, table, 'copy',
                               total=estimate_rows(conn, table))
    _copy(online, table, new, pk, names, progress, fence, nodes)
    rows, copied = _row_counts(conn, table, new)
    if rows != copied:
        # A unique key of the copy merged rows (INSERT IGNORE, the upserts)
        # that the table holds apart. The plain statement fails on them, and
        # so does running it as it is.
        raise _give_up(conn, table, fence, lock_wait,
                       'its copy holds %d rows where the table holds %d: a unique key '
                       'the statement adds merged rows that break it' % (copied, rows), nodes)
    _same_nodes(conn, table, fence, lock_wait, nodes)
    keys = {}
    for key in _referencing_keys(conn, table):
        # A key the server made for a foreign key is made again for the
        # newest one on its columns, under that one's name unless told.
        keys[key] = _generated_key(_create_of(conn, key.child), key.name, key.columns)
        # In one ALTER: the original would follow the old table at the swap,
        # which no longer sees the rows written after it.
        _unchecked(conn, 'ALTER TABLE %s DROP FOREIGN KEY %s, ADD %s' % (
            _q(key.child), _q(key.name), key.definition(TWIN + key.name, new, keys[key])),
            fence, online.settings.lock_wait)
    _cut_over(online, table, new, keys, fence, nodes)
    online.copied(progress)


def _copy(online, table, new, pk, names, progress, fence, nodes):
    from dbmanage.db import retry
    conn, size, after = online.conn, online.settings.batch, None
    pause = Throttle(conn, nodes)
    while True:
        _same_nodes(conn, table, fence, online.settings.lock_wait, nodes)
        started = time.monotonic()

        def run_batch(rows):
            fence('copying %s' % table)
            upper = _scalar(conn, 'SELECT %s FROM %s %s ORDER BY %s LIMIT 1 OFFSET %d' % (
                _q(pk), _q(table), 'WHERE %s > :a' % _q(pk) if after is not None else '',
                _q(pk), rows - 1), a=after)
            where = ' AND '.join(filter(None, (
                '%s > :a' % _q(pk) if after is not None else None,
                '%s <= :u' % _q(pk) if upper is not None else None))) or '1 = 1'
            # Shared locks on the batch's rows: a write to one of them waits
            # for this batch, then its trigger brings the copy up to date.
            copied = conn.execute(sa.text(
                'INSERT IGNORE INTO %s (%s) SELECT %s FROM %s WHERE %s LOCK IN SHARE MODE'
                % (_q(new), names, names, _q(table), where)),
                {'a': after, 'u': upper}).rowcount
            commit(conn)
            return copied, upper
        (copied, upper), size = retry.lost_batch(run_batch, lambda: rollback(conn),
                                                 'copy of %s' % table, size)
        size = min(online.settings.batch, size * 2)
        online.progressed(progress, copied)
        pause(time.monotonic() - started)
        if upper is None:
            return
        after = upper


def _give_up(conn, table, fence, lock_wait, why, nodes) -> _Refused:
    """Take the copy and its triggers away and give the table's keys their
    names back: the statement then runs as it is."""
    _take_away(conn, table, fence, lock_wait, nodes)
    return _Refused(why)


def _take_away(conn, table, fence, lock_wait, nodes):
    fence('dropping the shadow copy of %s' % table)
    _drop_shadow(conn, table, fence, lock_wait, nodes)
    _put_back(conn, table, fence, lock_wait)


def _same_nodes(conn, table, fence, lock_wait, nodes):
    """Stop the copy where a node left or joined the cluster since its
    triggers were made: the copy may miss that node's writes. Running the
    statement as it is instead would hold the cluster for its length, in the
    middle of a rolling restart: the run stops, and the next one copies again."""
    if nodes is None or not nodes.changed():
        return
    _take_away(conn, table, fence, lock_wait, nodes)
    raise errors.OperationFailed(
        'a node left or joined the Galera cluster during the shadow copy of %s; the copy '
        'is taken away: run the upgrade again once every node is back' % table)


def _row_counts(conn, table, new):
    """The rows of the table and of its filled copy, read at one moment: the
    triggers keep the two equal at every commit."""
    commit(conn)
    conn.exec_driver_sql('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ')
    conn.exec_driver_sql('START TRANSACTION WITH CONSISTENT SNAPSHOT')
    try:
        return tuple(_scalar(conn, 'SELECT COUNT(*) FROM %s' % _q(name)) for name in (table, new))
    finally:
        commit(conn)


def _cut_over(online, table, new, keys, fence, nodes):
    """One RENAME TABLE swaps the copy in: writers waiting for the table
    find the copy when they get it, never no table."""
    old = OLD + table
    pairs = [(table, old), (new, table)]
    if galera(online.conn):
        # Total order keys a RENAME by the tables it names, but renaming a
        # table locks the tables its foreign keys join it to as well, and
        # renaming those, theirs. A write to one of them applied on this node
        # meanwhile would hold the lock the RENAME waits for, while waiting
        # behind the RENAME: the whole cluster would stop. So every table
        # joined to it by foreign keys, however far, is named, to a passing
        # name and back: each then waits for the RENAME, and the RENAME for none.
        for number, joined in enumerate(_joined(online.conn, table, new)):
            pairs += [(joined, '_dbm_r%d' % number), ('_dbm_r%d' % number, joined)]
    _ddl(online.conn, 'RENAME TABLE %s' % ', '.join(
        '%s TO %s' % (_q(a), _q(b)) for a, b in pairs), fence, online.settings.lock_wait)
    for key, index in keys.items():
        _untwin(online.conn, key, table, index, fence, online.settings.lock_wait)
    fence('dropping the old %s' % table)
    _drop_old(online.conn, old, fence, nodes)


def _drop_old(conn, old, fence, nodes):
    """Drop the table the swap set aside. In total order every node's
    commits would wait for the whole DROP (1.4 s for lbaas's million
    members, the removal of the table's file), so on Galera each node that
    has it drops its own outside replication, the run's node last (``tidy``
    looks on every node for one a dead run left). Its foreign keys go first,
    at once: a DROP TABLE holds back the writers of the tables they
    reference for as long as it takes. A node looks for it once it has
    applied the swap: the swap returns on the run's node alone."""
    if nodes is None:
        conn.exec_driver_sql('DROP TABLE %s' % _q(old))
        return
    for session in [s for _, s in nodes.others] + [nodes.own]:
        nodes.caught_up(session)
        if old not in _tables_named(session, OLD):
            continue
        # Even reading the definition takes the table's lock on these sessions.
        create = _when_free(session, 'SHOW CREATE TABLE %s' % _q(old), fence).first()[1]
        keys = [_Key(old, *found) for found in _FOREIGN_KEY.findall(create)]
        if keys:
            _when_free(session, 'ALTER TABLE %s %s' % (_q(old), ', '.join(
                'DROP FOREIGN KEY %s' % _q(key.name) for key in keys)), fence)
        _when_free(session, 'DROP TABLE %s' % _q(old), fence)


def _tables_named(conn, *prefixes) -> list[str]:
    """The tables of the database, as the node of ``conn`` has them, whose
    names begin with one of ``prefixes``."""
    return [r[0] for r in conn.execute(sa.text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
        "AND (%s)" % ' OR '.join("table_name LIKE '%s%%'" % p.replace('_', '\\_')
                                 for p in prefixes)))]


def _joined(conn, *tables):
    """The tables joined to ``tables`` by foreign keys, either way and however
    far (``_dbm_`` tables aside)."""
    rows = conn.execute(sa.text(
        "SELECT table_name, referenced_table_name FROM information_schema.referential_constraints "
        "WHERE constraint_schema = DATABASE()")).all()
    found, todo = [], list(tables)
    while todo:
        at = todo.pop()
        for child, parent in rows:
            other = parent if child == at else child if parent == at else None
            if other and not other.startswith('_dbm_') and other not in tables + tuple(found):
                found.append(other)
                todo.append(other)
    return sorted(found)


def _untwin(conn, key, table, index, fence, lock_wait):
    """After the swap: give the twin of ``key``, which now references
    ``table``, the original's name back. Where the server made the key's index
    itself (``index``) it makes it again under the same name: a RENAME INDEX
    would turn it into an ordinary key, which a later index on its columns no
    longer replaces."""
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
    if op['kind'] == 'add_constraint' and op['details'].get('type') == 'foreign_key' and (
            not on_galera or _indexed(conn, op['table'], op['details'].get('columns'))):
        return {'way': '%s, rows checked first' % ('ALGORITHM=INSTANT' if on_galera
                                                   else 'LOCK=NONE'),
                'blocks': False, 'wait_s': settings.lock_wait,
                'writes_wait': 'the metadata lock at its start and end; it waits at most '
                               '%.1f s for it, then retries' % settings.lock_wait}
    # Only what holds whatever earlier pending revisions do to the table: its
    # keys and foreign keys may still change before this operation runs.
    why = 'its name is too long' if len(NEW + op['table']) > 64 else None
    if why is None and _NOT_SHADOWED.search(sql):
        why = 'the statement renames or drops a constraint'
    if why is None:
        why = _children_unshadowable(_referencing_keys(conn, op['table']))
    if why is None and _scalar(conn, 'SELECT COUNT(*) FROM information_schema.tables WHERE '
                                     'table_schema = DATABASE() AND table_name = :t',
                               t=op['table']):
        why = _own_unshadowable(_own_keys(_create_of(conn, op['table']), op['table']))
    if why is None and on_galera:
        why = _unreachable(conn)
    if why is None:
        return {'way': 'shadow copy', 'blocks': False, 'wait_s': settings.lock_wait + 0.1,
                'writes_wait': 'the cut-over: at most %.1f s waiting for its lock, then one '
                               'RENAME TABLE' % settings.lock_wait}
    return _as_is(op, why, total_order=on_galera)


def _unreachable(conn) -> str | None:
    """Why a shadow copy's triggers cannot be made on each node, or None."""
    try:
        cluster.Nodes(conn).close()
    except cluster.Unreachable as exc:
        return EACH_NODE % exc
    return None


def _indexed(conn, table, columns) -> bool:
    """Does an index of the live ``table`` start with ``columns``?"""
    rows = conn.execute(sa.text(
        'SELECT index_name, column_name FROM information_schema.statistics WHERE '
        'table_schema = DATABASE() AND table_name = :t ORDER BY index_name, seq_in_index'),
        {'t': table})
    indexes = {}
    for index, column in rows:
        indexes.setdefault(index, []).append(column)
    return bool(columns) and any(found[:len(columns)] == list(columns)
                                 for found in indexes.values())


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
    it, and the names the table's own keys gave up; after it the twins not
    yet renamed back, and the old table."""
    for key in _twins(conn):
        name = key.name[len(TWIN):]
        originals = [k for k in _foreign_keys(conn, key.child) if k.name == name]
        if key.parent.startswith(NEW) and originals:
            LOG.warning('dropping the foreign key %s of %s, left by an interrupted online '
                        'upgrade', key.name, key.child)
            conn.exec_driver_sql('ALTER TABLE %s DROP FOREIGN KEY %s' % (_q(key.child),
                                                                         _q(key.name)))
            continue
        if key.parent.startswith(NEW):
            # The twin replaced the original before the swap: it goes back
            # to referencing the table.
            key = key._replace(parent=key.parent[len(NEW):])
        index = _generated_key(_create_of(conn, key.child), name, key.columns)
        LOG.warning('giving the foreign key %s of %s its name %s back, after an interrupted '
                    'online upgrade', key.name, key.child, name)
        if originals:
            conn.exec_driver_sql('ALTER TABLE %s DROP FOREIGN KEY %s' % (_q(key.child),
                                                                         _q(name)))
        conn.exec_driver_sql('SET SESSION foreign_key_checks = 0')
        conn.exec_driver_sql('ALTER TABLE %s DROP FOREIGN KEY %s, ADD %s' % (
            _q(key.child), _q(key.name), key.definition(name, key.parent, index)))
        conn.exec_driver_sql('SET SESSION foreign_key_checks = 1')
    leftovers = _tables_named(conn, NEW, OLD)
    nodes = _every_node(conn)
    try:
        for session in nodes.sessions if nodes is not None else []:
            # A run killed between two nodes' drops of an old table
            # (``_drop_old``) left it on the nodes not yet done.
            nodes.caught_up(session)
            leftovers += [name for name in _tables_named(session, OLD) if name not in leftovers]
        for name in leftovers:
            LOG.warning('dropping %s, left by an interrupted online upgrade', name)
            if name.startswith(OLD) and nodes is not None:
                _drop_old(conn, name, lambda what: None, nodes)
            else:
                _drop_shadow(conn, name[len(NEW):], lambda what: None, 1.0, nodes, name=name)
    finally:
        if nodes is not None:
            nodes.close()
    # Before the swap, the copy held the names; now they are free again.
    rows = conn.execute(sa.text(
        "SELECT DISTINCT table_name FROM information_schema.referential_constraints "
        "WHERE constraint_schema = DATABASE() AND constraint_name LIKE '\\_dbm\\_was\\_%' "
        "AND table_name NOT LIKE '\\_dbm\\_%'"))
    for table in [r[0] for r in rows]:
        LOG.warning('giving the foreign keys of %s their names back, after an interrupted '
                    'online upgrade', table)
        _put_back(conn, table, lambda what: None, 1.0)
    if leftovers:
        commit(conn)


def _every_node(conn):
    """On Galera, a session on each node (``nodes.Nodes``), or None where
    they cannot be had: the run's node then speaks for all."""
    if not galera(conn):
        return None
    try:
        return cluster.Nodes(conn)
    except cluster.Unreachable as exc:
        LOG.info('tidying through this node alone: %s', exc)
        return None


def _drop_triggers(conn, table, fence, nodes):
    """Drop the copy's triggers, on Galera on each node: a node left with
    them after its copy is gone would fail every write to the table."""
    if not galera(conn):
        for trigger in _triggers(table):
            conn.exec_driver_sql('DROP TRIGGER IF EXISTS %s' % _q(trigger))
        return
    fresh = None
    if nodes is None or nodes.changed():
        # A node may have left with the triggers, or joined with them.
        try:
            nodes = fresh = cluster.Nodes(conn)
        except cluster.Unreachable as exc:
            raise errors.Unreachable(
                'the shadow copy %s of %s stays, with its triggers: %s; the next run takes '
                'them away once it reaches every node' % (NEW + table, table, exc)) from None
    try:
        for session in nodes.sessions:
            for trigger in _triggers(table):
                _when_free(session, 'DROP TRIGGER IF EXISTS %s' % _q(trigger), fence)
    finally:
        if fresh is not None:
            fresh.close()


def _twins(conn):
    """The twin keys an online run added to referencing tables."""
    rows = conn.execute(sa.text(
        "SELECT DISTINCT table_name FROM information_schema.referential_constraints "
        "WHERE constraint_schema = DATABASE() AND constraint_name LIKE '\\_dbm\\_fk\\_%' "
        "AND table_name NOT LIKE '\\_dbm\\_%'"))
    return [key for child in [r[0] for r in rows] for key in _foreign_keys(conn, child)
            if key.name.startswith(TWIN)]


def _drop_shadow(conn, table, fence, lock_wait, nodes=None, name=None):
    """Drop the copy of ``table``, its triggers on the table first (or the
    old table ``name``, whose triggers go with it)."""
    if name is None or name.startswith(NEW):
        _drop_triggers(conn, table, fence, nodes)
    conn.exec_driver_sql('SET SESSION foreign_key_checks = 0')
    conn.exec_driver_sql('DROP TABLE IF EXISTS %s' % _q(name or NEW + table))
    conn.exec_driver_sql('SET SESSION foreign_key_checks = 1')
