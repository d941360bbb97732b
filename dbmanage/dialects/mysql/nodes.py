"""Every node of a Galera cluster, each through a session of its own.

A shadow copy's triggers are made and dropped on each node outside
replication (``wsrep_on = OFF``), each statement taking the table's lock
only when it is free at once (``lock_wait_timeout = 0``, tried again and
again). The other ways hold the cluster up:

- in total order, a CREATE TRIGGER on a table joined to others by foreign
  keys waits for locks that the node's applier holds for another node's
  write, while that applier waits behind the statement: for good;
- run alone (``wsrep_OSU_method = RSU``), a node first stops committing, and
  the statement waits for the lock of a local writer waiting to commit;
- queued for the lock, the statement holds up the node's appliers behind it,
  one of which holds the lock and waits to commit after them.

A trigger made on one node is not replicated, and a node without the copy's
triggers writes rows the copy never sees. So a run goes node by node only
where it reaches every node the cluster is configured with, and it notices a
change of membership (``wsrep_cluster_conf_id``) from then on.

Batches wait for the other nodes to apply them (``others_applied``),
through sessions inside replication where no copy is made.
"""
from __future__ import annotations

import contextlib
import logging
import time

import sqlalchemy as sa

from dbmanage import errors

LOG = logging.getLogger(__name__)

#: Seconds to wait for another node to answer a connection, and a statement:
#: a node stopped outright (not shut down) answers neither, and the run would
#: wait for it for good. Statements here are short or end by themselves
#: within a causal read's timeout (``repl.causal_read_timeout``, 30 s).
CONNECT_TIMEOUT, READ_TIMEOUT = 5, 60
#: ``wsrep_local_state`` of a node that takes part in flow control.
SYNCED = '4'
#: Write sets another node may have waiting when the next batch goes: one,
#: the batch just sent, which it applies while the run makes the next.
QUEUED = 1
#: Seconds a batch waits at most for the other nodes (their own writers' load
#: keeps a queue too), and between looks.
APPLY_WAIT, POLL = 1.0, 0.005


class Unreachable(Exception):
    """Not every node of the cluster can be reached, or used as it must be;
    the message says why."""


_MEMBERSHIP = ('wsrep_incoming_addresses', 'wsrep_gcomm_uuid', 'wsrep_cluster_size',
               'wsrep_cluster_conf_id')


def _status(conn, names=_MEMBERSHIP) -> dict:
    """The status variables ``names`` of the node of ``conn``, by their
    names in lower case (servers differ in how they spell them)."""
    rows = conn.execute(sa.text('SHOW GLOBAL STATUS WHERE variable_name IN (%s)'
                                % ', '.join("'%s'" % name for name in names)))
    return {name.lower(): value for name, value in rows}


def configured(conn) -> int:
    """How many nodes ``wsrep_cluster_address`` names (0 where it names none:
    a node that started a new cluster)."""
    address = conn.execute(sa.text('SELECT @@global.wsrep_cluster_address')).scalar() or ''
    peers = address.split('://', 1)[-1].split('?', 1)[0]
    return len({peer for peer in peers.split(',') if peer.strip()})


def _host_port(address: str):
    host, _, port = address.rpartition(':')
    if not host or not port.isdigit():
        raise Unreachable('wsrep_incoming_addresses names a node without a port (%s)'
                          % address)
    return host.strip('[]'), int(port)


class Nodes:
    """A session on each node of the cluster ``conn`` is on, every one of
    them running statements on its node outside replication (or inside it,
    with ``outside_replication=False``, which needs no SUPER privilege)."""

    def __init__(self, conn, outside_replication=True):
        self.conn, self.outside_replication = conn, outside_replication
        self._engines, self.sessions, self.others, self.own = [], [], [], None
        status = _status(conn)
        self.conf_id = status['wsrep_cluster_conf_id']
        size = int(status['wsrep_cluster_size'])
        expected = configured(conn)
        if size < expected:
            raise Unreachable('%d of the %d nodes in wsrep_cluster_address are in the cluster'
                              % (size, expected))
        addresses = [a.strip() for a in status['wsrep_incoming_addresses'].split(',')
                     if a.strip()]
        if len(addresses) != size:
            raise Unreachable('wsrep_incoming_addresses names %d of the %d nodes'
                              % (len(addresses), size))
        sql_mode = conn.execute(sa.text('SELECT @@session.sql_mode')).scalar()
        seen = set()
        try:
            for address in addresses:
                self.sessions.append(self._open(address, sql_mode))
                node = _status(self.sessions[-1])['wsrep_gcomm_uuid']
                if node != status['wsrep_gcomm_uuid']:
                    self.others.append((address, self.sessions[-1]))
                else:
                    self.own = self.sessions[-1]
                seen.add(node)
        except Exception:
            self.close()
            raise
        if len(seen) != size or status['wsrep_gcomm_uuid'] not in seen:
            self.close()
            raise Unreachable('the addresses in wsrep_incoming_addresses lead to %d of the '
                              '%d nodes, or not to this one' % (len(seen), size))

    def _open(self, address, sql_mode):
        from dbmanage import dialects
        from dbmanage.db import database
        from dbmanage.db import retry
        host, port = _host_port(address)
        engine = sa.create_engine(self.conn.engine.url.set(host=host, port=port),
                                  poolclass=sa.pool.NullPool, isolation_level='AUTOCOMMIT',
                                  connect_args={'connect_timeout': CONNECT_TIMEOUT,
                                                'read_timeout': READ_TIMEOUT})
        dialects.of(self.conn).configure_engine(engine)
        retry.classify_errors(engine)
        self._engines.append(engine)
        try:
            session = engine.connect()
        except Exception as exc:
            raise Unreachable('cannot connect to the node at %s: %s'
                              % (address, database.one_line(exc))) from None
        # Triggers run with the sql_mode they were made with: the run's.
        session.execute(sa.text('SET SESSION sql_mode = :mode'), {'mode': sql_mode})
        if not self.outside_replication:
            return session
        try:
            session.exec_driver_sql('SET SESSION wsrep_on = OFF')
        except Exception as exc:
            session.close()
            raise Unreachable('the node at %s refuses statements outside replication to this '
                              'user (it needs the SUPER privilege): %s'
                              % (address, database.one_line(exc))) from None
        session.exec_driver_sql('SET SESSION lock_wait_timeout = 0')
        return session

    def changed(self) -> bool:
        """Has a node left or joined the cluster since these sessions opened?"""
        return _status(self.conn)['wsrep_cluster_conf_id'] != self.conf_id

    def caught_up(self, session) -> None:
        """Wait until the node of ``session`` (or this run's) has applied
        every write set committed anywhere before now (a causal read), for
        ``repl.causal_read_timeout`` at most."""
        from dbmanage.db import database
        wait, on = session.execute(sa.text(
            'SELECT @@session.wsrep_sync_wait, @@session.wsrep_on')).one()
        # A session outside replication reads without waiting (and the run's
        # own, inside a transaction, may not switch).
        if not on:
            session.exec_driver_sql('SET SESSION wsrep_on = ON')
        session.exec_driver_sql('SET SESSION wsrep_sync_wait = 1')

        def restore():
            session.exec_driver_sql('SET SESSION wsrep_sync_wait = %d' % int(wait))
            if not on:
                session.exec_driver_sql('SET SESSION wsrep_on = OFF')
        try:
            session.exec_driver_sql('SELECT 1')
        except Exception as exc:
            with contextlib.suppress(Exception):
                restore()
            url = session.engine.url
            raise errors.Unreachable(
                'the node at %s:%s has not applied what the cluster committed (%s); a backup '
                'or a state transfer may be holding it: run the upgrade again once it has '
                'caught up' % (url.host, url.port, database.one_line(exc))) from None
        restore()

    def others_applied(self) -> None:
        """Wait, ``APPLY_WAIT`` seconds at most, until no other synced node
        has more than ``QUEUED`` write sets waiting to be applied. A node
        that is not synced (a donor, a node desynced for a backup) is left
        behind, as flow control leaves it; one that fails to answer is left
        out from then on."""
        from dbmanage.db import database
        deadline = time.monotonic() + APPLY_WAIT
        for address, session in list(self.others):
            try:
                while time.monotonic() < deadline:
                    status = _status(session, ('wsrep_local_state', 'wsrep_local_recv_queue'))
                    if status['wsrep_local_state'] != SYNCED or \
                            int(status['wsrep_local_recv_queue']) <= QUEUED:
                        break
                    time.sleep(POLL)
            except Exception as exc:
                LOG.warning('no longer waiting for the node at %s to apply each batch: %s',
                            address, database.one_line(exc))
                self.others.remove((address, session))

    def close(self):
        for session in self.sessions:
            with contextlib.suppress(Exception):
                session.close()
        for engine in self._engines:
            engine.dispose()
        self.sessions, self._engines = [], []
