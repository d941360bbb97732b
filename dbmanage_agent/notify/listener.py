"""Listen for ``db_manage.*`` events, for ``wait`` and for live progress.

A waiting CLI must not leave a queue behind it, and oslo.messaging's
notification listener keeps its pool queues after the process is gone. So
the listener declares its own exclusive, auto-deleted queue (gone the moment
its connection closes), bound to the exchange and topics oslo.messaging's
``messagingv2`` driver publishes on, and unwraps that driver's envelope.
"""
import json
import queue
import threading

from dbmanage_agent import errors
from dbmanage_agent import masking


def _kombu_connection(conf):
    import kombu
    from dbmanage_agent.messaging import oslo_messaging as messaging
    messaging.get_notification_transport(conf)  # registers its options
    url = conf.oslo_messaging_notifications.transport_url or conf.transport_url
    parsed = messaging.TransportURL.parse(conf, url)
    host = parsed.hosts[0] if parsed.hosts else messaging.TransportHost()
    # Anything the URL leaves out falls back to kombu's own defaults.
    return kombu.Connection(hostname=host.hostname or 'localhost', port=host.port,
                            userid=host.username, password=host.password,
                            virtual_host=parsed.virtual_host or '/',
                            connect_timeout=conf.db_manage.rpc_connect_timeout)


def _unwrap(body):
    if isinstance(body, (bytes, str)):
        body = json.loads(body)
    if 'oslo.message' in body:
        body = json.loads(body['oslo.message'])
    return body


class EventListener:
    """Collects events whose type is in ``event_types`` into a queue."""

    def __init__(self, conf, event_types):
        import kombu
        self.event_types = set(event_types)
        self.events = queue.Queue()
        self._conn = _kombu_connection(conf)
        masking.register(self._conn.password)
        exchange = kombu.Exchange(conf.control_exchange, type='topic',
                                  durable=False, auto_delete=False)
        topics = conf.oslo_messaging_notifications.topics
        self._queue = kombu.Queue(exclusive=True, auto_delete=True, durable=False,
                                  exchange=exchange, routing_key=topics[0] + '.info',
                                  bindings=[kombu.binding(exchange, '%s.%s' % (t, p))
                                            for t in topics for p in ('info', 'error')])
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

    def start(self):
        """Bind the queue (synchronously, so no event is missed after this)."""
        try:
            self._conn.ensure_connection(max_retries=1)
        except Exception as exc:
            raise errors.Unreachable('cannot reach the message broker for '
                                     'events: %s' % masking.scrub(exc))
        self._consumer = self._conn.Consumer([self._queue], callbacks=[self._on_message])
        self._consumer.consume()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()
        return self

    def _drain(self):
        import socket
        while not self._stop.is_set():
            try:
                self._conn.drain_events(timeout=0.2)
            except socket.timeout:
                continue
            except Exception:
                return

    def get(self, timeout):
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self):
        self._stop.set()
        if self._thread:
            self._thread.join(1)
        try:
            self._conn.release()
        except Exception:
            pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
