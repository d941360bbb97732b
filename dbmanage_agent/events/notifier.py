"""Emit ``db_manage.*`` events through oslo.messaging's Notifier.

Configured by ``[oslo_messaging_notifications]`` (driver ``messagingv2``,
topics, its own transport_url). A notification sent while the broker is down
is dropped by oslo.messaging with an ERROR log line: events are a signal for
automation, the result of the command is the record.
"""
from dbmanage import masking


class Notifier:
    def __init__(self, conf, host):
        from dbmanage_agent.transport import oslo_messaging as messaging
        from dbmanage import errors
        try:
            transport = messaging.get_notification_transport(conf)
        except (messaging.InvalidTransportURL, messaging.DriverLoadFailure,
                ValueError) as exc:
            masking.register_url(conf.oslo_messaging_notifications.transport_url)
            raise errors.UsageError('bad [oslo_messaging_notifications] '
                                    'transport_url: %s' % masking.scrub(exc))
        masking.register_url(conf.oslo_messaging_notifications.transport_url)
        self._notifier = messaging.Notifier(
            transport, publisher_id='db_manage.%s' % host)

    @property
    def enabled(self):
        return self._notifier.is_enabled()

    def emit(self, event_type, payload):
        level = 'error' if event_type.endswith('.error') else 'info'
        getattr(self._notifier, level)({}, event_type, _scrubbed(payload))


def _scrubbed(payload):
    # Only free text can carry a secret (an error quoting a driver message);
    # names, ids and revisions are sent as they are, for automation to match.
    return {k: masking.scrub(v) if k == 'error' else v for k, v in payload.items()}
