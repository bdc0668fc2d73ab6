"""Work ends with the request: the deadline, the upstream-call budget, the response budget.

Every test reads the sandbox counters: a call after the answer (or after the client
left) shows up as a counter that grows while nobody asks anything. Hang guards bound
how long an answer may take; none asserts how fast anything is.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.model import ProviderName
from gateway.router import BACKSTOP_GRACE_S
from tests.conftest import Gateway, make_settings, open_gateway
from tests.servers import start_gateway

SETTLE_S = 1.5
"""How long the counters must stay still after an answer: longer than any latency set here."""

GUARD_S = 10.0
"""Hang guard on top of a deadline and its backstop: an answer this late is a hang."""


def _totals(stats: dict[str, Any]) -> dict[str, int]:
    return {provider: int(entry["total"]) for provider, entry in stats.items()}


async def _still_after(gateway: Gateway) -> tuple[dict[str, int], dict[str, int]]:
    """The counters now, and once more after the settling time."""
    before = _totals(await gateway.stats())
    await asyncio.sleep(SETTLE_S)
    return before, _totals(await gateway.stats())


async def _answer(gateway: Gateway, query: str, deadline_s: float) -> dict[str, Any]:
    async with asyncio.timeout(deadline_s + BACKSTOP_GRACE_S + GUARD_S):
        return await gateway.gql(query)


def _codes(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["extensions"]["code"], e["extensions"].get("provider")) for e in body["errors"]]


async def _gateway(**overrides: Any) -> AsyncIterator[Gateway]:
    async for gateway in open_gateway(make_settings(**overrides)):
        yield gateway


CACHE = pytest.mark.parametrize("cached", [True, False], ids=["cached", "uncached"])


@CACHE
async def test_a_hanging_provider_answers_by_the_deadline_with_the_others_data(
    cached: bool,
) -> None:
    deadline_s = 1.0
    async for gateway in _gateway(
        limits={"deadline_s": deadline_s},
        square={"timeout_s": 60.0},
        cache={"enabled": cached},
    ):
        await gateway.set_faults("square", hang=True)
        body = await _answer(
            gateway, "{ customers(first: 20) { nodes { provider email } } }", deadline_s
        )
        assert _codes(body) == [("DEADLINE_EXCEEDED", "SQUARE")]
        providers = {n["provider"] for n in body["data"]["customers"]["nodes"]}
        assert providers == {p.name for p in ProviderName} - {"SQUARE"}
        before, after = await _still_after(gateway)
        assert after == before


async def test_the_deadline_spans_sequential_levels_each_within_its_own_timeout() -> None:
    """Digital River answers every call in 1 s, well within its 60 s timeout: the listing
    arrives, the second level (its sameAs index) is cut at the request's deadline."""
    deadline_s = 1.5
    async for gateway in _gateway(
        limits={"deadline_s": deadline_s}, digitalriver={"timeout_s": 60.0}
    ):
        await gateway.set_faults("digitalriver", latency_ms=1000)
        body = await _answer(
            gateway,
            "{ customers(first: 50) { nodes { provider email sameAs { provider } } } }",
            deadline_s,
        )
        assert _codes(body) == [("DEADLINE_EXCEEDED", "DIGITAL_RIVER")]
        nodes = body["data"]["customers"]["nodes"]
        assert {n["provider"] for n in nodes} == {p.name for p in ProviderName}
        assert any(n["sameAs"] for n in nodes), "the other providers' matches still answer"
        before, after = await _still_after(gateway)
        assert after == before


ERROR_ANSWER = """{
  slow: customers(first: 50, filter: {providers: [CLOVER]}) {
    nodes { orders(first: 5) { nodes { id } } } }
  failing: customers(first: 5, filter: {providers: [SQUARE]}) {
    nodes { orders(first: 5, after: "not-a-cursor") { nodes { id } } } }
}"""
"""`failing` ends the request with an error (data: null) while `slow`'s orders batch, a
task of its own that graphql-core does not cancel, still has Clover calls to make."""


async def test_no_upstream_call_after_an_error_answer() -> None:
    """With the read cache on, `slow`'s listing and orders are single-flight tasks shared
    between requests, which nothing cancelled when the answer went out (15 more Clover
    calls arrived after it)."""
    async for gateway in _gateway():
        await gateway.set_faults("clover", latency_ms=600)
        await gateway.set_faults("square", latency_ms=400)
        body = await _answer(gateway, ERROR_ANSWER, 10.0)
        assert body["data"] is None
        assert ("BAD_USER_INPUT", None) in _codes(body)
        before, after = await _still_after(gateway)
        assert after == before


async def test_closing_one_request_leaves_work_another_waits_for() -> None:
    """Two identical reads share one Digital River listing (the cache's single flight);
    the first client going away must not cut it for the second."""
    query = "{ customers(first: 5, filter: {providers: [DIGITAL_RIVER]}) { nodes { email } } }"
    async for gateway in _gateway():
        await gateway.set_faults("digitalriver", latency_ms=800)
        first = asyncio.ensure_future(gateway.gql(query))
        await _until(partial(_route_count, gateway, "digitalriver", "GET /customers"), 1)
        second = asyncio.ensure_future(gateway.gql(query))
        await _until(partial(_coalesced, gateway, "digitalriver", "search"), 1)
        first.cancel()
        async with asyncio.timeout(GUARD_S):
            body = await second
        assert "errors" not in body, body["errors"]
        assert len(body["data"]["customers"]["nodes"]) == 5
        assert await _route_count(gateway, "digitalriver", "GET /customers") == 1


async def _route_count(gateway: Gateway, provider: str, route: str) -> int:
    return int((await gateway.stats())[provider]["routes"].get(route, 0))


async def _coalesced(gateway: Gateway, provider: str, kind: str) -> int:
    """Cache misses that waited for a fetch already in flight (`/metrics`)."""
    metric = f'gateway_cache_coalesced_total{{kind="{kind}",provider="{provider}"}} '
    text = (await gateway.client.get("/metrics")).text
    return next(
        int(float(line.removeprefix(metric)))
        for line in text.splitlines()
        if line.startswith(metric)
    )


async def _until(probe: Callable[[], Awaitable[int]], at_least: int) -> None:
    async with asyncio.timeout(GUARD_S):
        while True:
            if await probe() >= at_least:
                return
            await asyncio.sleep(0.02)


def test_a_client_that_disconnects_leaves_no_upstream_calls_after(tmp_path: Path) -> None:
    """Over a real socket: the client closes while Clover's orders are coming in waves
    (five in flight at most, 600 ms each); the rest of them are never sent."""
    server = start_gateway(tmp_path, SANDBOX__FAULTS='{"clover": {"latency_ms": 600}}')
    try:
        query = "{ customers(first: 50) { nodes { provider orders(first: 5) { nodes { id } } } } }"
        body = json.dumps({"query": query}).encode()
        port = int(server.url.rsplit(":", 1)[1])
        with httpx.Client(base_url=server.url, timeout=GUARD_S) as http:

            def orders() -> int:
                stats = http.get("/sandbox/_stats").json()
                return int(stats["clover"]["routes"].get("GET /v1/orders", 0))

            with socket.create_connection(("127.0.0.1", port)) as client:
                client.sendall(
                    b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                guard = time.monotonic() + GUARD_S
                while orders() == 0:
                    assert time.monotonic() < guard, "the query never reached Clover's orders"
                    time.sleep(0.02)
            time.sleep(0.2)  # the server notices the closed socket
            before = _totals(http.get("/sandbox/_stats").json())
            time.sleep(SETTLE_S)
            after = _totals(http.get("/sandbox/_stats").json())
            assert after == before
            assert http.get("/healthz").status_code == 200
    finally:
        server.stop()


async def test_the_upstream_call_budget_refuses_past_its_limit() -> None:
    limit = 3
    async for gateway in _gateway(limits={"max_upstream_calls": limit}, cache={"enabled": False}):
        body = await gateway.gql("{ customers(first: 10) { nodes { provider } } }")
        codes = _codes(body)
        assert codes, "four providers' listings (and a token) need more than three calls"
        assert {code for code, _ in codes} == {"UPSTREAM_BUDGET_EXCEEDED"}
        assert all(provider is not None for _, provider in codes)
        assert sum(_totals(await gateway.stats()).values()) == limit


async def test_an_answer_over_the_response_budget_is_one_coded_error() -> None:
    limit = 2_000
    async for gateway in _gateway(limits={"max_response_bytes": limit}):
        response = await gateway.client.post(
            "/graphql", json={"query": "{ customers(first: 50) { nodes { id email } } }"}
        )
        assert response.status_code == 200
        assert len(response.content) <= limit
        body = response.json()
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"]["code"] == "RESPONSE_TOO_LARGE"
        assert error["extensions"]["limit"] == limit
        assert error["extensions"]["size"] > limit
        small = await gateway.data("{ providers { provider } }")
        assert len(small["providers"]) == len(ProviderName)


async def _black_hole() -> tuple[asyncio.Server, int]:
    """A TCP server that accepts and never answers: a cache backend that hangs."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client hangs up
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    return server, int(server.sockets[0].getsockname()[1])


async def test_work_that_no_upstream_timeout_bounds_ends_at_the_backstop() -> None:
    """A stuck cache backend holds the request outside any upstream call: the backstop
    answers one DEADLINE_EXCEEDED error (the same bound holds CPU-bound resolving)."""
    deadline_s = 0.5
    hole, port = await _black_hole()
    async with hole:
        async for gateway in _gateway(
            limits={"deadline_s": deadline_s}, cache={"url": f"redis://127.0.0.1:{port}/0"}
        ):
            body = await _answer(gateway, "{ customers(first: 5) { nodes { id } } }", deadline_s)
            assert body["data"] is None
            assert _codes(body) == [("DEADLINE_EXCEEDED", None)]
