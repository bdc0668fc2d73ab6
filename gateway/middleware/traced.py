"""A span around each provider contract call, the layer between operation and HTTP.

Wrapped outside the read cache, so a call the cache answers shows as a provider span
without HTTP children. Attributes name the provider and the call; never an id or an
argument (a write's customer id stays out).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from opentelemetry.trace import SpanKind, Tracer

from gateway.contract import CustomerProvider
from gateway.middleware.base import Call, ProviderMiddleware
from gateway.tracing import OPERATION, PROVIDER, failed

T = TypeVar("T")


class TracedProvider(ProviderMiddleware):
    """Each contract call in a span `<provider> <call>`, e.g. `square get_customers`."""

    def __init__(self, inner: CustomerProvider, tracer: Tracer) -> None:
        super().__init__(inner)
        self._tracer = tracer

    async def around(self, call: Call, proceed: Callable[[], Awaitable[T]]) -> T:
        with self._tracer.start_as_current_span(
            f"{self.name.value} {call.operation}",
            kind=SpanKind.INTERNAL,
            attributes={
                PROVIDER: self.name.value,
                OPERATION: call.operation,
                "gateway.provider.write": call.write,
            },
            record_exception=False,  # provider error texts may hold ids
            set_status_on_exception=False,
        ) as span:
            try:
                return await proceed()
            except BaseException as exc:
                failed(span, type(exc))
                raise
