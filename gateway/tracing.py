"""OpenTelemetry traces: off unless an exporter is configured, then three layers of spans.

Layout: `graphql.<type> <name>` (one per operation, continuing the client's W3C
`traceparent`) > `<provider> <contract call>` (`gateway.middleware.traced`) >
`<METHOD> <route>` (one client span per upstream HTTP attempt, whose context goes
to the provider in `traceparent`).

Configured by the standard variables, read once by `configure_from_env` (the
`serve` path): `OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER` (`otlp`, `console`,
`none`), `OTEL_EXPORTER_OTLP_ENDPOINT` / `..._TRACES_ENDPOINT` (OTLP over
HTTP/protobuf), `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, and the SDK's own
`OTEL_TRACES_SAMPLER`. Unlike the SDK's default, no exporter named and no endpoint
set means off: every hook below then costs one `None` check, and nothing is wrapped.

Only `traceparent`/`tracestate` cross the wire: the client's baggage would otherwise
be forwarded to every provider. Span attributes never carry the query text, a
variable, a customer id or a full URL (a path holds ids): upstream spans name the
route template (`gateway.metrics.route_of`, the one `kit.path` filled) and the host.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType

import httpx
from opentelemetry import context as otel_context
from opentelemetry.propagators.textmap import DefaultGetter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.datastructures import Headers
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionContext

from gateway.metrics import route_of
from gateway.model import ProviderName

log = logging.getLogger("gateway.tracing")

SERVICE_NAME = "customer-gateway"
INSTRUMENTATION = "gateway"

MAX_OPERATION_NAME = 100
"""A longer operation name (client-chosen) is left out of the span's name and attributes."""

PROVIDER = "gateway.provider"
"""The provider a span works for (`square`, `clover`, ...)."""
OPERATION = "gateway.provider.operation"
"""The contract call (`get_customers`, `update_customer`, ...)."""

_PROPAGATOR = TraceContextTextMapPropagator()
_tracer: Tracer | None = None


def tracer() -> Tracer | None:
    """The gateway's tracer, or None when tracing is off."""
    return _tracer


def install(provider: TracerProvider | None) -> None:
    """Trace to `provider` from now on (None: off). Apps built after this see it."""
    global _tracer  # noqa: PLW0603 (one process-wide switch, as OTel's own global)
    _tracer = provider.get_tracer(INSTRUMENTATION) if provider is not None else None


def configure_from_env(environ: Mapping[str, str] = os.environ) -> TracerProvider | None:
    """Install the provider the `OTEL_*` variables describe; None when they leave it off."""
    chosen = exporters(environ)
    if not chosen:
        install(None)
        return None
    resource = Resource.create({"service.name": environ.get("OTEL_SERVICE_NAME") or SERVICE_NAME})
    provider = TracerProvider(resource=resource)
    for exporter in chosen:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    install(provider)
    log.info("tracing on: exporters=%s", ",".join(type(e).__name__ for e in chosen))
    return provider


def exporters(environ: Mapping[str, str]) -> list[SpanExporter]:
    """The exporters the variables name: none unless one is named or an endpoint set."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return []
    named = environ.get("OTEL_TRACES_EXPORTER")
    if named is None:
        endpoint = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get(
            "OTEL_EXPORTER_OTLP_ENDPOINT"
        )
        named = "otlp" if endpoint else "none"
    exporters: list[SpanExporter] = []
    for name in (n.strip().lower() for n in named.split(",") if n.strip()):
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporters.append(OTLPSpanExporter())
        elif name == "console":
            exporters.append(ConsoleSpanExporter())
        elif name != "none":
            log.warning("OTEL_TRACES_EXPORTER: %r is not supported (otlp, console, none)", name)
    return exporters


@contextmanager
def continued(headers: Headers) -> Iterator[None]:
    """Make the client's `traceparent` (if any) the parent of what runs inside."""
    if _tracer is None or "traceparent" not in headers:
        yield
        return
    token = otel_context.attach(_PROPAGATOR.extract(headers, getter=_HEADERS))
    try:
        yield
    finally:
        otel_context.detach(token)


class _StarletteGetter(DefaultGetter):
    """Reads Starlette's case-insensitive headers (the default getter expects a dict)."""

    def get(self, carrier: Mapping[str, str], key: str) -> list[str] | None:  # type: ignore[override]
        value = carrier.get(key)
        return [value] if value is not None else None


_HEADERS = _StarletteGetter()


class Upstream:
    """One upstream HTTP attempt's client span, and the headers that carry it upstream.

    A class, not a generator: on the disabled path it is entered on every upstream
    call, and then does nothing but hand the headers back.
    """

    __slots__ = ("_scope", "headers", "span")

    def __init__(
        self,
        provider: ProviderName,
        method: str,
        base_url: httpx.URL,
        path: str,
        headers: Mapping[str, str] | None,
    ) -> None:
        self.headers = headers
        self.span: Span | None = None
        self._scope = None
        if _tracer is None:
            return
        template = route_of(path)
        attributes: dict[str, str | int] = {
            PROVIDER: provider.value,
            "http.request.method": method,
            "server.address": base_url.host,
            "url.scheme": base_url.scheme,
        }
        if base_url.port is not None:
            attributes["server.port"] = base_url.port
        attributes["url.template"] = template
        self._scope = _tracer.start_as_current_span(
            f"{method} {template}",
            kind=SpanKind.CLIENT,
            attributes=attributes,
            record_exception=False,  # an exception's text may hold a URL, so ids
            set_status_on_exception=False,
        )

    def __enter__(self) -> Upstream:
        if self._scope is None:
            return self
        self.span = self._scope.__enter__()
        carried = dict(self.headers or {})
        _PROPAGATOR.inject(carried)
        self.headers = carried
        return self

    def answered(self, status: int) -> None:
        """Record the provider's status; 5xx (and 429) mark the span an error."""
        if self.span is None:
            return
        self.span.set_attribute("http.response.status_code", status)
        if status >= 500 or status == 429:
            self.span.set_status(StatusCode.ERROR)
            self.span.set_attribute("error.type", str(status))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._scope is None:
            return
        if self.span is not None and exc_type is not None:
            failed(self.span, exc_type)
        self._scope.__exit__(exc_type, exc, traceback)


def failed(span: Span, exc_type: type[BaseException]) -> None:
    """Mark `span` failed by the exception's type alone: its message may hold ids."""
    span.set_status(StatusCode.ERROR)
    span.set_attribute("error.type", exc_type.__name__)


class TracedOperation(SchemaExtension):
    """The operation's span: everything its resolvers start runs inside it.

    Named once the document is parsed (`graphql.query customers`); a document that
    does not parse leaves it `graphql.operation`. Never the document or variables.
    """

    def on_operation(self) -> Iterator[None]:
        if _tracer is None:
            yield
            return
        with _tracer.start_as_current_span(
            "graphql.operation",
            kind=SpanKind.SERVER,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            yield
            _describe(span, self.execution_context)


def _describe(span: Span, execution: ExecutionContext) -> None:
    name = execution.operation_name
    if name is not None and len(name) > MAX_OPERATION_NAME:
        name = None
    if execution.graphql_document is not None:
        try:
            kind = execution.operation_type.value
        except RuntimeError:  # no operation of that name: Strawberry answers the error
            kind = None
        if kind is not None:
            span.update_name(f"graphql.{kind} {name}" if name else f"graphql.{kind}")
            span.set_attribute("graphql.operation.type", kind)
    if name:
        span.set_attribute("graphql.operation.name", name)
    result = execution.result
    if result is not None and result.errors:
        span.set_attribute("graphql.errors", len(result.errors))
        if result.data is None:
            span.set_status(StatusCode.ERROR)
