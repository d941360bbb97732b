"""Listen for ``db_manage.*`` events, for ``wait`` and for live progress.

The broker connection is oslo.messaging's own (its rabbit driver's
``Connection``), built from the same configuration as the RPC client: every
host of the notification ``transport_url`` (failover), its vhost, TLS
(``[oslo_messaging_rabbit] ssl*``), login method and heartbeats. The
exchange is declared exactly as oslo.messaging's notifier declares it
(durable with ``amqp_durable_queues`` or ``rabbit_quorum_queue``), else the
broker refuses it (406 PRECONDITION_FAILED).

A waiting CLI must not leave a queue behind it, and oslo.messaging's
notification listener keeps its pool queues after the process is gone. So
the listener's queue is a classic exclusive, auto-deleted one (gone the
moment its connection closes; quorum queues cannot be exclusive), bound to
the topics the ``messagingv2`` driver publishes on; it unwraps that driver's
envelope.
"""
from __future__ import annotations

import json
import queue
import socket
import threading

from dbmanage import deadline
from dbmanage import errors
from dbmanage import masking


def _driver_connection(conf):
    """oslo.messaging's rabbit connection for the notification transport."""
    from dbmanage_agent.transport import oslo_messaging as messaging
    from oslo_messaging._drivers import common as driver_common
    from oslo_messaging._drivers import impl_rabbit
    messaging.get_notification_transport(conf)  # registers its options
    url = conf.oslo_messaging_notifications.transport_url or conf.transport_url
    masking.register_url(url)
    parsed = messaging.TransportURL.parse(conf, url)
    if parsed.transport not in ('rabbit', 'kombu', 'amqp'):
        raise errors.Unreachable('events need a rabbit:// transport_url, not %s://'
                                 % parsed.transport)
    # One connection attempt per host, then give up: waiting falls back to
    # polling, progress to none.
    return impl_rabbit.Connection(conf, parsed, driver_common.PURPOSE_LISTEN,
                                  retry=max(1, len(parsed.hosts)))


def _unwrap(body):
    if isinstance(body, (bytes, str)):
        body = json.loads(body)
    if 'oslo.message' in body:
        body = json.loads(body['oslo.message'])
    return body


class EventListener:
    """Collects events whose type is in ``event_types`` into a queue."""

    def __init__(self, conf, event_types, connect_timeout=5.0, budget=None):
        self.conf = conf
        self.budget = budget
        self.event_types = set(event_types)
        self.events = queue.Queue()
        self.connect_timeout = connect_timeout
        self._driver = None
        self._stop = threading.Event()
        self._thread = None

    def _on_message(self, body, message):
        message.ack()
        try:
            event = _unwrap(body)
        except (ValueError, TypeError):
            return
        if event.get('event_type') in self.event_types:
            self.events.put(event)

    def _subscribe(self):
        import kombu
        driver = _driver_connection(self.conf)
        self._driver = driver
        exchange = kombu.Exchange(self.conf.control_exchange, type='topic',
                                  durable=driver.durable,
                                  auto_delete=driver.amqp_auto_delete)
        topics = self.conf.oslo_messaging_notifications.topics
        queue_ = kombu.Queue(exclusive=True, auto_delete=True, durable=False,
                             queue_arguments={'x-queue-type': 'classic'},
                             exchange=exchange, routing_key=topics[0] + '.info',
                             bindings=[kombu.binding(exchange, '%s.%s' % (t, p))
                                       for t in topics for p in ('info', 'error')])
        self._consumer = driver.connection.Consumer([queue_],
                                                    callbacks=[self._on_message])
        self._consumer.consume()

    def start(self) -> None:
        """Bind the queue (synchronously, so no event is missed after this)."""
        try:
            from dbmanage_agent import transport
            deadline.call(self._subscribe, self.connect_timeout, self.budget,
                          grace=transport.GRACE,
                          on_timeout='no answer within %.0f s' % self.connect_timeout)
        except Exception as exc:
            self.close()
            reason = getattr(exc, 'message', None) or \
                (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise errors.Unreachable('cannot subscribe to events: %s'
                                     % masking.scrub(reason))
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()
        return self

    def _drain(self):
        conn = self._driver.connection
        while not self._stop.is_set():
            try:
                conn.drain_events(timeout=0.2)
            except socket.timeout:
                try:
                    conn.heartbeat_check()
                except Exception:
                    return
            except Exception:
                return

    def get(self, timeout: float):
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self):
        self._stop.set()
        if self._thread:
            self._thread.join(1)
        driver, self._driver = self._driver, None
        if driver is not None and driver.connection is not None:
            try:
                driver.connection.release()
            except Exception:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
