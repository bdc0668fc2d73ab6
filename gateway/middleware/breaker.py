"""A circuit breaker per provider account, shared by every request of the process.

Fail-fast (`failfast.py`) remembers an outage for one request; this remembers it across
requests. After `failures` consecutive failed calls (outages, timeouts, unreadable
answers) the circuit opens: for `open_s` every call answers `CircuitOpen` at once,
with no upstream call. Then one call goes through as a probe (half-open) while the
others are still refused; its success closes the circuit, its failure opens it again.

Hand-written rather than `purgatory` or `aiobreaker`: both let every caller through
while half-open (a recovering provider gets the whole backlog at once), and neither
reports the time left open, which clients read as `retryAfter`.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable
from typing import TypeVar

from gateway.contract import BreakerSettings, CustomerProvider
from gateway.errors import (
    CircuitOpen,
    DeadlineExceeded,
    ProviderBadResponse,
    ProviderError,
    ProviderOutcomeUnknown,
    ProviderTimeout,
    ProviderUnavailable,
    UpstreamBudgetExceeded,
)
from gateway.metrics import circuit_changed
from gateway.middleware.base import Call, ProviderMiddleware
from gateway.model import ProviderName

T = TypeVar("T")
FAILURES = (ProviderUnavailable, ProviderTimeout, ProviderBadResponse, ProviderOutcomeUnknown)
"""What counts against the provider; its refusals of the input and its limits do not."""
UNTOLD = (CircuitOpen, DeadlineExceeded, UpstreamBudgetExceeded)
"""Failures that say nothing about the provider: this request ran out, not the provider."""


class CircuitState(enum.Enum):
    CLOSED = "closed"
    HALF_OPEN = "half_open"
    OPEN = "open"


LEVELS = {CircuitState.CLOSED: 0, CircuitState.HALF_OPEN: 1, CircuitState.OPEN: 2}


class Circuit:
    """One account's breaker state, read by `providers { circuit }` and the metrics."""

    def __init__(self, provider: ProviderName, settings: BreakerSettings) -> None:
        self.provider = provider
        self.settings = settings
        self.state = CircuitState.CLOSED
        self.consecutive_failures = 0
        self._opened_at = 0.0
        self._probe: object | None = None

    def retry_after(self) -> float:
        """Seconds until a probe may go through (0 when one may now)."""
        if self.state is CircuitState.CLOSED:
            return 0.0
        return max(0.0, self._opened_at + self.settings.open_s - _now())

    def admit(self) -> object | None:
        """Let a call through, or raise `CircuitOpen`; the token marks the probe."""
        if self.state is CircuitState.CLOSED:
            return None
        if self.state is CircuitState.OPEN and self.retry_after() == 0.0:
            self._enter(CircuitState.HALF_OPEN)
            self._probe = object()
            return self._probe
        raise CircuitOpen(self.provider, retry_after=self.retry_after())

    def succeeded(self, token: object | None) -> None:
        if token is not None and token is self._probe:
            self._probe = None
            self._enter(CircuitState.CLOSED)
        if self.state is CircuitState.CLOSED:
            self.consecutive_failures = 0

    def failed(self, token: object | None) -> None:
        if token is not None and token is self._probe:
            self._probe = None
            self._open()
            return
        if self.state is CircuitState.CLOSED:
            self.consecutive_failures += 1
            if self.consecutive_failures >= self.settings.failures:
                self._open()

    def inconclusive(self, token: object | None) -> None:
        """The probe ended without telling (cut by its request): the next call probes."""
        if token is not None and token is self._probe:
            self._probe = None
            self._enter(CircuitState.OPEN)
            self._opened_at = _now() - self.settings.open_s

    def _open(self) -> None:
        self._opened_at = _now()
        self._enter(CircuitState.OPEN)

    def _enter(self, state: CircuitState) -> None:
        if state is not self.state:
            self.state = state
            circuit_changed(self.provider, state.value, LEVELS[state])


class BreakerProvider(ProviderMiddleware):
    """Every contract call through the account's `Circuit`."""

    def __init__(self, inner: CustomerProvider, circuit: Circuit) -> None:
        super().__init__(inner)
        self.circuit = circuit

    async def around(self, call: Call, proceed: Callable[[], Awaitable[T]]) -> T:
        token = self.circuit.admit()
        try:
            result = await proceed()
        except UNTOLD:
            self.circuit.inconclusive(token)
            raise
        except FAILURES:
            self.circuit.failed(token)
            raise
        except ProviderError:  # refusals, not-found, rate limits: the provider answered
            self.circuit.succeeded(token)
            raise
        except BaseException:
            self.circuit.inconclusive(token)
            raise
        self.circuit.succeeded(token)
        return result


def _now() -> float:
    return asyncio.get_running_loop().time()
