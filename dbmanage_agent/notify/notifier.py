"""Emit ``db_manage.*`` events through oslo.messaging's Notifier.

Configured by ``[oslo_messaging_notifications]`` (driver ``messagingv2``,
topics, its own transport_url). A notification sent while the broker is down
is dropped by oslo.messaging with an ERROR log line: events are a signal for
automation, the result of the command is the record.
"""
from dbmanage_agent import masking


class Notifier:
    def __init__(self, conf, host):
        from dbmanage_agent.messaging import oslo_messaging as messaging
        transport = messaging.get_notification_transport(conf)
        masking.register_url(conf.oslo_messaging_notifications.transport_url)
        self._notifier = messaging.Notifier(
            transport, publisher_id='db_manage.%s' % host)

    @property
    def enabled(self):
        return self._notifier.is_enabled()

    def emit(self, event_type, payload):
        level = 'error' if event_type.endswith('.error') else 'info'
        getattr(self._notifier, level)({}, event_type, _scrubbed(payload))


def _scrubbed(value):
    if isinstance(value, str):
        return masking.scrub(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrubbed(v) for v in value]
    return value
