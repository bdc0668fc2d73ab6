"""Traces: the span tree of one query, the client's `traceparent` continued, and the
providers handed ours. Spans land in the SDK's in-memory exporter; what the sandboxes
receive is recorded by a test-only ASGI wrapper in front of them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway import tracing
from gateway.app import create_app
from gateway.model import ProviderName
from tests.conftest import make_settings

QUERY = "query Roster { customers(first: 8) { nodes { id provider email } } }"
PROVIDERS = {p.value for p in ProviderName}
CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"


@dataclass
class SandboxTraffic:
    """The `traceparent` header (or None) of every request the sandboxes received."""

    traceparents: list[str | None] = field(default_factory=list)


class Recorder:
    def __init__(self, app: ASGIApp, traffic: SandboxTraffic) -> None:
        self.app = app
        self.traffic = traffic

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/_"):
            headers = dict(scope["headers"])
            value = headers.get(b"traceparent")
            self.traffic.traceparents.append(value.decode() if value is not None else None)
        await self.app(scope, receive, send)


@dataclass
class Traced:
    client: httpx.AsyncClient
    sandbox: SandboxTraffic


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracing.install(provider)
    yield spans
    tracing.install(None)
    provider.shutdown()


async def open_traced() -> AsyncIterator[Traced]:
    app = create_app(make_settings(cache={"enabled": False}))
    traffic = SandboxTraffic()
    app.state.sandbox.add_middleware(Recorder, traffic=traffic)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gateway") as client,
    ):
        yield Traced(client, traffic)


@pytest.fixture
async def traced(exporter: InMemorySpanExporter) -> AsyncIterator[Traced]:
    async for gateway in open_traced():
        yield gateway


@pytest.fixture
async def untraced() -> AsyncIterator[Traced]:
    async for gateway in open_traced():
        yield gateway


async def ask(gateway: Traced, headers: dict[str, str] | None = None) -> None:
    response = await gateway.client.post("/graphql", json={"query": QUERY}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    assert {n["provider"] for n in body["data"]["customers"]["nodes"]} >= {"SQUARE"}


def operation_span(spans: tuple[ReadableSpan, ...]) -> ReadableSpan:
    operations = [s for s in spans if s.name.startswith("graphql.")]
    assert len(operations) == 1, [s.name for s in spans]
    return operations[0]


def children(spans: tuple[ReadableSpan, ...], parent: ReadableSpan) -> list[ReadableSpan]:
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


async def test_one_query_is_an_operation_over_provider_calls_over_http_calls(
    traced: Traced, exporter: InMemorySpanExporter
) -> None:
    await ask(traced)
    spans = exporter.get_finished_spans()
    operation = operation_span(spans)
    assert operation.name == "graphql.query Roster"
    assert operation.kind is SpanKind.SERVER
    assert operation.parent is None
    assert dict(operation.attributes or {}) == {
        "graphql.operation.name": "Roster",
        "graphql.operation.type": "query",
    }

    calls = children(spans, operation)
    assert {s.attributes[tracing.PROVIDER] for s in calls if s.attributes} == PROVIDERS
    http_spans = [s for s in spans if s.kind is SpanKind.CLIENT]
    assert len(http_spans) + len(calls) + 1 == len(spans), "no other spans"
    templates: set[str] = set()
    for call in calls:
        assert call.attributes is not None
        provider = str(call.attributes[tracing.PROVIDER])
        assert call.name == f"{provider} {call.attributes[tracing.OPERATION]!s}"
        below = children(spans, call)
        assert below, f"{call.name} reached its provider over HTTP"
        for request in below:
            assert request.kind is SpanKind.CLIENT
            assert request.attributes is not None
            assert request.attributes[tracing.PROVIDER] == call.attributes[tracing.PROVIDER]
            assert request.attributes["http.response.status_code"] == 200
            assert not {"url.full", "url.path", "url.query"} & set(request.attributes)
            assert request.name == f"{request.attributes['http.request.method']!s} " + str(
                request.attributes["url.template"]
            )
            templates.add(str(request.attributes["url.template"]))
    assert "/v3/merchants/{}/customers" in templates, "route templates, not ids"
    assert {s.context.trace_id for s in spans} == {operation.context.trace_id}

    sent = [tuple(t.split("-")[1:3]) if t else None for t in traced.sandbox.traceparents]
    assert len(sent) == len(http_spans), "one client span per upstream request"
    expected = {(f"{s.context.trace_id:032x}", f"{s.context.span_id:016x}") for s in http_spans}
    assert set(sent) == expected, "each request carries its own client span's context"


async def test_an_incoming_traceparent_is_continued(
    traced: Traced, exporter: InMemorySpanExporter
) -> None:
    await ask(traced, {"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"})
    spans = exporter.get_finished_spans()
    operation = operation_span(spans)
    assert operation.parent is not None
    assert operation.parent.is_remote
    assert f"{operation.parent.span_id:016x}" == CLIENT_SPAN
    assert {f"{s.context.trace_id:032x}" for s in spans} == {CLIENT_TRACE}
    assert all(
        t is not None and t.startswith(f"00-{CLIENT_TRACE}-") for t in traced.sandbox.traceparents
    )


async def test_off_by_default_nothing_is_traced_or_forwarded(untraced: Traced) -> None:
    assert tracing.tracer() is None
    await ask(untraced, {"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"})
    assert untraced.sandbox.traceparents
    assert set(untraced.sandbox.traceparents) == {None}, "a client's header is not relayed"


@pytest.mark.parametrize(
    ("environ", "exporters"),
    [
        ({}, []),
        ({"OTEL_SERVICE_NAME": "gw"}, []),
        ({"OTEL_TRACES_EXPORTER": "none"}, []),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}, ["OTLPSpanExporter"]),
        (
            {"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"},
            [],
        ),
        ({"OTEL_TRACES_EXPORTER": "console", "OTEL_SERVICE_NAME": "gw"}, ["ConsoleSpanExporter"]),
    ],
)
def test_the_otel_variables_switch_tracing(environ: dict[str, str], exporters: list[str]) -> None:
    chosen = tracing.exporters(environ)
    assert [type(e).__name__ for e in chosen] == exporters
    provider = tracing.configure_from_env(environ)
    try:
        assert (tracing.tracer() is not None) == bool(exporters)
        assert (provider is not None) == bool(exporters)
        if provider is not None:
            expected = environ.get("OTEL_SERVICE_NAME", tracing.SERVICE_NAME)
            assert provider.resource.attributes["service.name"] == expected
    finally:
        tracing.install(None)
        if provider is not None:
            provider.shutdown()
