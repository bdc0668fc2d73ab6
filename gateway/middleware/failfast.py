"""Per-request fail-fast: once a provider is down for a request, stop waiting on it.

A GraphQL request reaches a provider at several depths (the listing, then sameAs,
orders, ...). Without this, a hanging provider would cost its timeout once per
depth; with it, the first timeout or outage marks the provider down for the rest of
the request, so the answer arrives within about one timeout, with the other
providers' data and one error for the failed one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from gateway.contract import CustomerProvider
from gateway.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from gateway.middleware.base import Call, ProviderMiddleware
from gateway.model import ProviderName

T = TypeVar("T")
OUTAGES = (ProviderUnavailable, ProviderTimeout, ProviderRateLimited, ProviderAuthError)


class Outages:
    """The providers found down during one request, with the error that said so."""

    def __init__(self) -> None:
        self.down: dict[ProviderName, ProviderError] = {}


class FailFastProvider(ProviderMiddleware):
    """Answers a provider's first outage of the request for every later call to it."""

    def __init__(self, inner: CustomerProvider, outages: Outages) -> None:
        super().__init__(inner)
        self._outages = outages

    async def around(self, call: Call, proceed: Callable[[], Awaitable[T]]) -> T:
        known = self._outages.down.get(self.name)
        if known is not None:
            raise known
        try:
            return await proceed()
        except OUTAGES as exc:
            self._outages.down.setdefault(self.name, exc)
            raise

    async def aclose(self) -> None:
        """The app owns the inner provider's lifetime, not the request."""
