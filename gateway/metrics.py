"""The gateway's Prometheus metrics, served at `/metrics` by prometheus_client.

One `GatewayMetrics` per app, each with its own `CollectorRegistry`: tests build many
apps in one process, and each must count only its own traffic. The router activates
its app's metrics for the request (`recording`), so code that has no handle on the app
(the upstream client, shared by every adapter) records through `active()`; work done
outside a request (startup checks) is not counted unless wrapped in `recording`.

With `PROMETHEUS_MULTIPROC_DIR` set (`serve --workers N` sets one), values live in that
directory's files, one set per worker, and `/metrics` answers the sum over workers;
process and GC collectors are then left out, since they would describe only the worker
that happens to answer the scrape.

Labels never hold query text or ids: operations are labelled by their GraphQL name
(or `anonymous`) and type, upstream calls by the route template the adapter built the
path from (`gateway.providers.kit.path`), not the concrete path.
"""

from __future__ import annotations

import asyncio
import glob
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from time import perf_counter
from typing import Any
from urllib.parse import urlsplit

import httpx
import prometheus_client
from graphql import GraphQLError
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from strawberry.extensions import SchemaExtension

from gateway.cache import CacheKind
from gateway.errors import ErrorCode
from gateway.model import ProviderName

CONTENT_TYPE = prometheus_client.CONTENT_TYPE_PLAIN_0_0_4
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
ANONYMOUS = "anonymous"
UNKNOWN_TYPE = "unknown"
MAX_NAME_LENGTH = 100
"""Longer operation names are labelled `anonymous`: a label is not a place for essays."""

LIMIT_CODES = frozenset(
    {
        ErrorCode.QUERY_TOO_COMPLEX.value,
        ErrorCode.DEADLINE_EXCEEDED.value,
        ErrorCode.UPSTREAM_BUDGET_EXCEEDED.value,
    }
)
"""Codes in an operation's errors that mean a gateway limit refused or cut it."""

CACHE_COUNTERS = {
    "hits": "Reads answered from the cache.",
    "misses": "Reads the cache could not answer (stale, expired or never stored).",
    "coalesced": "Misses answered by a fetch another request already had in flight.",
    "backend_errors": "Cache backend operations that failed; the read went upstream.",
}

# No `_created` twin for every series: half the exposition, read by no dashboard.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def worker_stopped() -> None:
    """Drop this worker's live gauges (in-flight requests) from the shared files."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def prepare_multiprocess_dir() -> str:
    """The directory workers share, emptied of a previous run's files: a temporary one
    unless `PROMETHEUS_MULTIPROC_DIR` names it. Set before any worker starts."""
    directory = multiprocess_dir() or tempfile.mkdtemp(prefix="customer-gateway-metrics-")
    os.makedirs(directory, exist_ok=True)
    for stale in glob.glob(os.path.join(directory, "*.db")):
        os.remove(stale)
    os.environ[MULTIPROC_ENV] = directory
    return directory


class CacheMetrics:
    """Cache counters per provider and kind; every series exists at 0 once tracked, so a
    dashboard's rate() has a baseline before the first read."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._counters = {
            name: Counter(f"gateway_cache_{name}", text, ["provider", "kind"], registry=registry)
            for name, text in CACHE_COUNTERS.items()
        }
        self._invalidations = Counter(
            "gateway_cache_invalidations",
            "Writes through the gateway that invalidated cached reads.",
            ["provider"],
            registry=registry,
        )

    def track(self, provider: ProviderName) -> None:
        """Show this provider's series (at 0) before its first read."""
        for counter in self._counters.values():
            for kind in CacheKind:
                counter.labels(provider.value, kind.value)
        self._invalidations.labels(provider.value)

    def count(self, counter: str, provider: ProviderName, kind: CacheKind, n: int = 1) -> None:
        if n:
            self._counters[counter].labels(provider.value, kind.value).inc(n)

    def invalidated(self, provider: ProviderName) -> None:
        self._invalidations.labels(provider.value).inc()


class GatewayMetrics:
    """Every metric of one app, in the app's own registry."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.operations = Counter(
            "gateway_graphql_operations",
            "GraphQL operations answered, by operation name, type and outcome.",
            ["operation", "type", "outcome"],
            registry=registry,
        )
        self.operation_seconds = Histogram(
            "gateway_graphql_operation_duration_seconds",
            "Time from admission to the GraphQL result, per operation.",
            ["operation", "type"],
            registry=registry,
        )
        self.upstream_requests = Counter(
            "gateway_upstream_requests",
            "HTTP requests sent to providers, by route template, method and status.",
            ["provider", "route", "method", "status"],
            registry=registry,
        )
        self.upstream_seconds = Histogram(
            "gateway_upstream_request_duration_seconds",
            "Time of one HTTP request to a provider, until its response headers.",
            ["provider", "route", "method"],
            registry=registry,
        )
        self.upstream_in_flight = Gauge(
            "gateway_upstream_in_flight_requests",
            "HTTP requests to providers currently awaiting their answer.",
            ["provider"],
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.upstream_rate_limited = Counter(
            "gateway_upstream_rate_limited_responses",
            "429 answers received from providers.",
            ["provider"],
            registry=registry,
        )
        self.upstream_retries = Counter(
            "gateway_upstream_retries",
            "Requests sent again (gateway.retries), by the error that called for it.",
            ["provider", "reason"],
            registry=registry,
        )
        self.circuit_state = Gauge(
            "gateway_provider_circuit_state",
            "The account's circuit breaker: 0 closed, 1 half-open (probing), 2 open.",
            ["provider"],
            registry=registry,
            multiprocess_mode="max",
        )
        self.circuit_transitions = Counter(
            "gateway_provider_circuit_transitions",
            "Circuit breaker state changes, by the state entered.",
            ["provider", "state"],
            registry=registry,
        )
        self.limit_rejections = Counter(
            "gateway_limit_rejections",
            "Requests refused or cut by a gateway limit, by error code.",
            ["code"],
            registry=registry,
        )
        self.cache = CacheMetrics(registry)
        if multiprocess_dir() is None:
            prometheus_client.ProcessCollector(registry=registry)
            prometheus_client.GCCollector(registry=registry)
            prometheus_client.PlatformCollector(registry=registry)

    def render(self) -> bytes:
        """The text exposition: this app's registry, or every worker's files."""
        if multiprocess_dir() is None:
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        return generate_latest(merged)

    def rejected(self, code: ErrorCode | str) -> None:
        self.limit_rejections.labels(code.value if isinstance(code, ErrorCode) else code).inc()

    def operation_done(self, operation: Operation, errors: list[GraphQLError]) -> str:
        """Count one answered operation; answer its outcome: its first error's code, or `ok`."""
        codes = [_code(e) for e in errors]
        outcome = codes[0] if codes else "ok"
        self.operations.labels(operation.name, operation.type, outcome).inc()
        self.operation_seconds.labels(operation.name, operation.type).observe(
            perf_counter() - operation.started
        )
        for code in sorted(LIMIT_CODES.intersection(codes)):
            self.rejected(code)
        return outcome


def _code(error: GraphQLError) -> str:
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else ErrorCode.INTERNAL.value


_active: ContextVar[GatewayMetrics | None] = ContextVar("gateway_metrics", default=None)


def active() -> GatewayMetrics | None:
    """The metrics of the app whose request is running, if any."""
    return _active.get()


@contextmanager
def recording(metrics: GatewayMetrics) -> Iterator[None]:
    """Record what runs inside (and the tasks it starts) in `metrics`."""
    token = _active.set(metrics)
    try:
        yield
    finally:
        _active.reset(token)


@dataclass
class Operation:
    """One GraphQL execution's labels, filled in once the document is parsed."""

    name: str = ANONYMOUS
    type: str = UNKNOWN_TYPE
    started: float = 0.0

    def elapsed_ms(self) -> float:
        return round((perf_counter() - self.started) * 1000, 1)


_operation: ContextVar[Operation | None] = ContextVar("gateway_operation", default=None)


@contextmanager
def operation() -> Iterator[Operation]:
    """The labels of the operation executed inside, set by `OperationLabels`."""
    current = Operation(started=perf_counter())
    token = _operation.set(current)
    try:
        yield current
    finally:
        _operation.reset(token)


class OperationLabels(SchemaExtension):
    """Names the running `operation()` after its document: the operation's own name
    (only one the document defines, so a valid GraphQL name, never query text) and type."""

    def on_parse(self) -> Iterator[None]:
        yield
        current = _operation.get()
        context = self.execution_context
        if current is None or context.graphql_document is None:
            return
        try:
            kind = context.operation_type
        except RuntimeError:  # no such operation: execution answers that
            return
        name = context.operation_name
        current.type = kind.value
        current.name = name if name and len(name) <= MAX_NAME_LENGTH else ANONYMOUS


def route_of(path: str) -> str:
    """The route template of a request path: the one `kit.path` built it from, else the
    path itself (ids enter paths only through `kit.path`), without host or query."""
    template: str = getattr(path, "template", path)
    return urlsplit(template).path or "/"


@contextmanager
def upstream_call(
    provider: ProviderName, method: str, path: str
) -> Iterator[Callable[[httpx.Response], httpx.Response]]:
    """Count and time one request to `provider`; call the yielded function with its
    response. Without one, the status is `timeout`, `cancelled` or `error`."""
    metrics = active()
    status = "error"

    def answered(response: httpx.Response) -> httpx.Response:
        nonlocal status
        status = str(response.status_code)
        return response

    if metrics is None:
        yield answered
        return
    started = perf_counter()
    try:
        with metrics.upstream_in_flight.labels(provider.value).track_inprogress():
            yield answered
    except (TimeoutError, httpx.TimeoutException):
        status = "timeout"
        raise
    except asyncio.CancelledError:
        status = "cancelled"
        raise
    finally:
        route = route_of(path)
        metrics.upstream_requests.labels(provider.value, route, method, status).inc()
        metrics.upstream_seconds.labels(provider.value, route, method).observe(
            perf_counter() - started
        )


def upstream_rate_limited(provider: ProviderName) -> None:
    """A 429 received, whether or not it is retried."""
    metrics = active()
    if metrics is not None:
        metrics.upstream_rate_limited.labels(provider.value).inc()


def upstream_retried(provider: ProviderName, reason: str) -> None:
    """A request about to be sent again after `reason` (an error class name)."""
    metrics = active()
    if metrics is not None:
        metrics.upstream_retries.labels(provider.value, reason).inc()


def circuit_changed(provider: ProviderName, state: str, level: int) -> None:
    """The provider's breaker entered `state` (`level` for the gauge)."""
    metrics = active()
    if metrics is not None:
        metrics.circuit_state.labels(provider.value).set(level)
        metrics.circuit_transitions.labels(provider.value, state).inc()


def result_errors(result: Any) -> list[GraphQLError]:
    """The errors of an execution result (or of each result of a batch)."""
    results = result if isinstance(result, list) else [result]
    return [e for r in results for e in (getattr(r, "errors", None) or [])]
