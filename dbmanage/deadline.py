"""Calls that end by a wall-clock deadline, whatever the broker does.

oslo.messaging's ``call`` never returns while the broker is unreachable (its
reply listener reconnects forever), so the caller owns the deadline: the
call runs in a daemon thread and is abandoned when its time is up.
"""
import threading
import time

from dbmanage import errors

#: Extra time given to a call after its own timeout, so that oslo.messaging
#: can report its MessagingTimeout (a better message) before we give up.
GRACE = 1.0


class Budget:
    """The time left for a whole command; ``None`` end means unbounded."""

    def __init__(self, seconds=None):
        self.seconds = seconds
        self.end = None if seconds is None else time.monotonic() + seconds

    def left(self):
        return float('inf') if self.end is None else self.end - time.monotonic()

    def limit(self, seconds):
        """``seconds``, cut to what is left (Unreachable when nothing is)."""
        left = self.left()
        if left <= 0.05:
            raise errors.Unreachable('no time left')
        return min(seconds, left)


def call(fn, seconds, budget=None, on_timeout='no answer'):
    """``fn()`` if it returns within ``seconds`` (+ grace, within ``budget``).

    Raises Unreachable(``on_timeout``) when it does not; re-raises what
    ``fn`` raised.
    """
    wait = seconds + GRACE
    if budget is not None:
        wait = budget.limit(wait)
    outcome = {}

    def run():
        try:
            outcome['value'] = fn()
        except BaseException as exc:  # handed to the waiting thread
            outcome['error'] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(wait)
    if worker.is_alive():
        raise errors.Unreachable(on_timeout)
    if 'error' in outcome:
        raise outcome['error']
    return outcome['value']
