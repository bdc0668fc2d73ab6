"""Clover's per-token rate limits, as clover.md states them ("Rate limits").

"Per token: 16 req/s and 5 concurrent. Going over gives `429 Too Many Requests`."
"A response header names the limit that was hit: ... `X-RateLimit-tokenLimit`
(token), ... `X-RateLimit-tokenConcurrentLimit`." "Concurrent-limit 429s also carry
`retry-after: <seconds>`"; "wait 1 s after a 429".

Read strictly, "16 req/s" is at most 16 admitted requests in any one-second span,
so each token keeps the arrival times of its admitted requests of the last second.
The per-app limits (50 req/s, 10 concurrent) are not emulated: the sandbox serves
one app.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import NamedTuple

SPAN_S = 1.0


class Refusal(NamedTuple):
    """Why a request is refused: the header naming the limit, the limit, `retry-after`."""

    header: str
    limit: int
    retry_after_s: int

    def headers(self) -> dict[str, str]:
        return {"retry-after": str(self.retry_after_s), self.header: str(self.limit)}


@dataclass
class _Token:
    arrivals: deque[float] = field(default_factory=deque)
    in_flight: int = 0


class TokenLimits:
    """Admits a token's request, or says which limit it is over; `done` when answered."""

    def __init__(self, per_second: int, concurrent: int) -> None:
        self.per_second = per_second
        self.concurrent = concurrent
        self._tokens: dict[str, _Token] = {}

    def admit(self, token: str, now: float) -> Refusal | None:
        """None when admitted at `now` (a monotonic clock): call `done` after answering."""
        state = self._tokens.setdefault(token, _Token())
        if state.in_flight >= self.concurrent:
            return Refusal("X-RateLimit-tokenConcurrentLimit", self.concurrent, 1)
        while state.arrivals and state.arrivals[0] <= now - SPAN_S:
            state.arrivals.popleft()
        if len(state.arrivals) >= self.per_second:
            wait = math.ceil(state.arrivals[0] + SPAN_S - now)
            return Refusal("X-RateLimit-tokenLimit", self.per_second, max(1, wait))
        state.arrivals.append(now)
        state.in_flight += 1
        return None

    def done(self, token: str) -> None:
        self._tokens[token].in_flight -= 1
