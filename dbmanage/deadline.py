"""Calls that end by a wall-clock deadline, whatever the server behind them does.

Some clients retry an unreachable server for ever: oslo.messaging's ``call``
(its reply listener reconnects without end) and tooz (its heartbeat, and
``stop``, which waits for it). The caller owns the deadline: the call runs in
a daemon thread, abandoned when its time is up.
"""
import threading
import time

from dbmanage import errors


class Budget:
    """The time left for a whole command; ``None`` seconds means unbounded."""

    def __init__(self, seconds: float | None = None):
        self.seconds = seconds
        self.end = None if seconds is None else time.monotonic() + seconds

    def left(self) -> float:
        return float('inf') if self.end is None else self.end - time.monotonic()

    def limit(self, seconds: float) -> float:
        """``seconds``, cut to what is left (Unreachable when nothing is)."""
        left = self.left()
        if left <= 0.05:
            raise errors.Unreachable('no time left')
        return min(seconds, left)


def call(fn, seconds: float, budget: Budget | None = None, on_timeout: str = 'no answer',
         grace: float = 0.0):
    """``fn()`` if it returns within ``seconds`` (+ ``grace``, within ``budget``).

    Raises Unreachable(``on_timeout``) when it does not; re-raises what
    ``fn`` raised. A call past its time is left to finish in its thread.
    """
    wait = seconds + grace
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
