"""Live progress of an upgrade run by an agent: its events, handed on."""
from __future__ import annotations

import threading
import time


def forwarding(events, request_id: str, emit, call):
    """Run ``call`` while handing this request's events to ``emit``."""
    done = threading.Event()

    def forward():
        while not done.is_set():
            event = events.get(0.2)
            if event and event['payload'].get('request_id') == request_id:
                emit(event['event_type'], event['payload'])

    forwarder = threading.Thread(target=forward, daemon=True)
    forwarder.start()
    try:
        return call()
    finally:
        time.sleep(0.05)  # the last revision event may trail the reply
        done.set()
        forwarder.join(1)
