"""Clover's per-token request rate, paced before the wire instead of met with 429s.

Clover allows 16 requests per second per token and answers 429 beyond (clover.md,
"Rate limits"). The adapter paces its own starts with a sliding one-second window
(plus a margin for the time a request takes to arrive), so a burst is spread out
instead of bouncing off 429s and waiting out `retry-after`. The sandbox enforces the
limit with its own code (`sandboxes/clover/limits.py`), read from the docs apart
from this, so a misreading here shows up as 429s in the tests.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque


class SlidingWindow:
    """At most `rate` events in any `window_s` seconds."""

    def __init__(self, rate: int, window_s: float = 1.0) -> None:
        self.rate = rate
        self.window_s = window_s
        self._events: deque[float] = deque()

    def earliest(self, now: float) -> float:
        """The first moment from `now` on at which one more event fits."""
        while self._events and now - self._events[0] >= self.window_s:
            self._events.popleft()
        if len(self._events) < self.rate:
            return now
        return self._events[0] + self.window_s

    def record(self, at: float) -> None:
        self._events.append(at)

    def admit(self, now: float) -> float:
        """Record an event at `now` and answer 0, or answer how long to wait first."""
        wait = self.earliest(now) - now
        if wait <= 0:
            self.record(now)
            return 0.0
        return wait


class Pacer:
    """Client side: wait until Clover's window has room, first come first served."""

    ARRIVAL_MARGIN_S = 0.1
    """Starts are spaced a little wider than Clover's window: a request is counted
    when it arrives, which is a variable moment after it starts."""

    def __init__(self, rate: int) -> None:
        self._window = SlidingWindow(rate, 1.0 + self.ARRIVAL_MARGIN_S)
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            start = self._window.earliest(now)
            if start > now:
                await asyncio.sleep(start - now)
            self._window.record(max(start, time.monotonic()))
