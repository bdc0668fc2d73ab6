"""Fault injection: latency, error rates and hangs, per provider, on demand.

Failures come from the sandbox, so tests and benchmarks exercise the gateway's real
timeout and error paths instead of mocks of them. The draw is seeded, so a given
error rate fails the same requests on every run.
"""

from __future__ import annotations

import asyncio
import random

from gateway.config import FaultSettings


class FaultInjector:
    def __init__(self, seed: int) -> None:
        self._faults: dict[str, FaultSettings] = {}
        self._rng = random.Random(seed)

    def set(self, provider: str, faults: FaultSettings) -> None:
        self._faults[provider] = faults

    def clear(self, provider: str) -> None:
        self._faults.pop(provider, None)

    def get(self, provider: str) -> FaultSettings:
        return self._faults.get(provider, FaultSettings())

    async def apply(self, provider: str) -> int | None:
        """Wait as configured; the status to fail with, or None to serve normally."""
        faults = self.get(provider)
        if faults.hang:
            await asyncio.Event().wait()
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.error_rate and self._rng.random() < faults.error_rate:
            return faults.error_status
        return None
