"""Fault injection: latency, hangs and faulty answers, per provider and route, on demand.

Failures come from the sandbox, so tests and benchmarks exercise the gateway's real
timeout and error paths instead of mocks of them. The draw is seeded, so a given
error rate fails the same requests on every run; `times` counts down per provider
from when the faults were set, so "fail the next write's read-back once" is exact.
"""

from __future__ import annotations

import asyncio
import random

from gateway.config import FaultSettings


class FaultInjector:
    """Per provider: the fault settings in force and how many faults `times` has left."""

    def __init__(self, seed: int) -> None:
        self._faults: dict[str, FaultSettings] = {}
        self._left: dict[str, int] = {}
        self._rng = random.Random(seed)

    def set(self, provider: str, faults: FaultSettings) -> None:
        self._faults[provider] = faults
        if faults.times is None:
            self._left.pop(provider, None)
        else:
            self._left[provider] = faults.times

    def clear(self, provider: str) -> None:
        self._faults.pop(provider, None)
        self._left.pop(provider, None)

    def get(self, provider: str) -> FaultSettings:
        return self._faults.get(provider, FaultSettings())

    async def apply(self, provider: str, method: str, template: str) -> FaultSettings | None:
        """Wait as configured; the settings whose fault this request gets, or None."""
        faults = self.get(provider)
        if not matches(faults.routes, method, template):
            return None
        if faults.hang:
            await asyncio.Event().wait()
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        return faults if self._draw(provider, faults) else None

    def _draw(self, provider: str, faults: FaultSettings) -> bool:
        left = self._left.get(provider)
        if left == 0:
            return False
        if faults.error_rate:
            if self._rng.random() >= faults.error_rate:
                return False
        elif left is None:
            return False
        if left is not None:
            self._left[provider] = left - 1
        return True


def matches(routes: list[str], method: str, template: str) -> bool:
    """Whether a request is one that `routes` names; no routes names every request."""
    return not routes or f"{method} {template}" in routes or template in routes
