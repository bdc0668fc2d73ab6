"""Per-client budgets of requests and cost units: one process, then two replicas on Redis.

The in-process tests drive the real app over the sandboxes with the read cache off,
so an accepted request visibly reaches the providers and a refused one visibly does
not. Windows are an hour long where a test needs the counts to stay put (sliding
window counters start a new window on the clock's hour, a few ms of the test cannot
straddle that but once in a million runs), and one second where it waits one out.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from gateway.auth import shopper_tokens
from gateway.auth.api_keys import digest
from gateway.auth.rate_limits import retry_after
from gateway.config import Settings
from tests.conftest import REDIS_URL, Gateway, make_settings, open_gateway
from tests.servers import Server, start_gateway, start_sandbox

HOUR = 3600
CHEAP = "{ customers(first: 1) { nodes { id } } }"
COSTLY = "{ customers(first: 10) { nodes { id email addresses { id city } } } }"
VIEWER = "{ viewer { email } }"
SIGNING_KEY = "test-signing-key-for-rate-limits-0123456789"
KEYS = {"backoffice": "test-key-backoffice-0123456789", "storefront": "test-key-storefront-012345"}


def limited(**rate_limits: Any) -> Settings:
    return make_settings(cache={"enabled": False}, rate_limits={"enabled": True, **rate_limits})


def budget(requests: int = 1000, cost: int = 1_000_000, window_s: int = HOUR) -> dict[str, int]:
    return {"requests": requests, "cost": cost, "window_s": window_s}


async def post(gw: Gateway, query: str, **headers: str) -> httpx.Response:
    return await gw.client.post("/graphql", json={"query": query}, headers=headers)


def accepted(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.json()["errors"]


def refused(response: httpx.Response, unit: str) -> int:
    """The Retry-After of a RATE_LIMITED answer, checked whole."""
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    extensions = error["extensions"]
    assert extensions["code"] == "RATE_LIMITED"
    assert extensions["unit"] == unit
    retry_after = int(response.headers["retry-after"])
    assert retry_after >= 1
    assert extensions["retryAfter"] == retry_after
    return retry_after


async def total_calls(gw: Gateway) -> int:
    return sum(int(entry["total"]) for entry in (await gw.stats()).values())


@pytest.fixture
async def measured() -> AsyncIterator[Gateway]:
    """A gateway that refuses everything as too complex, and so tells each query's cost."""
    async for gw in open_gateway(make_settings(limits={"max_cost": 1})):
        yield gw


async def cost_of(gw: Gateway, query: str) -> int:
    [error] = (await gw.gql(query))["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    return int(error["extensions"]["cost"])


async def test_the_request_past_the_budget_is_refused_before_any_upstream_call() -> None:
    async for gw in open_gateway(limited(anonymous=budget(requests=3))):
        for _ in range(3):
            accepted(await post(gw, COSTLY))
        assert await total_calls(gw) > 0, "accepted requests reach the providers"
        await gw.reset_stats()

        refused(await post(gw, COSTLY), "requests")
        refused(await post(gw, CHEAP), "requests")
        assert await total_calls(gw) == 0


async def test_a_costly_query_draws_more_of_the_cost_budget(measured: Gateway) -> None:
    cheap, costly = await cost_of(measured, CHEAP), await cost_of(measured, COSTLY)
    assert costly > 2 * cheap > 0

    async for gw in open_gateway(limited(anonymous=budget(cost=costly + cheap))):
        accepted(await post(gw, COSTLY))
        await gw.reset_stats()
        refused(await post(gw, COSTLY), "cost")  # `cheap` units are left, not `costly`
        assert await total_calls(gw) == 0
        accepted(await post(gw, CHEAP))
        refused(await post(gw, CHEAP), "cost")


async def test_a_query_costing_more_than_a_whole_window_is_too_complex(measured: Gateway) -> None:
    costly = await cost_of(measured, COSTLY)
    async for gw in open_gateway(limited(anonymous=budget(cost=costly - 1))):
        response = await post(gw, COSTLY)
        assert response.status_code == 200
        assert "retry-after" not in response.headers
        [error] = response.json()["errors"]
        assert error["extensions"] == {
            "code": "QUERY_TOO_COMPLEX",
            "cost": costly,
            "limit": costly - 1,
        }
        accepted(await post(gw, CHEAP))


async def test_client_ips_behind_a_trusted_proxy_have_budgets_of_their_own() -> None:
    settings = limited(anonymous=budget(requests=1), trusted_proxies=["127.0.0.1/32"])
    async for gw in open_gateway(settings):  # httpx's ASGI transport is peer 127.0.0.1
        accepted(await post(gw, CHEAP, **{"X-Forwarded-For": "203.0.113.7"}))
        refused(await post(gw, CHEAP, **{"X-Forwarded-For": "203.0.113.7"}), "requests")
        refused(
            await post(gw, CHEAP, **{"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}), "requests"
        )
        accepted(await post(gw, CHEAP, **{"X-Forwarded-For": "203.0.113.8"}))
        accepted(await post(gw, CHEAP))  # the proxy's own requests


async def test_x_forwarded_for_from_an_untrusted_peer_changes_nothing() -> None:
    async for gw in open_gateway(limited(anonymous=budget(requests=1))):
        accepted(await post(gw, CHEAP, **{"X-Forwarded-For": "203.0.113.7"}))
        refused(await post(gw, CHEAP, **{"X-Forwarded-For": "203.0.113.8"}), "requests")


def api_keys() -> list[dict[str, Any]]:
    return [
        {"name": name, "sha256": digest(key), "scopes": ["customers:read"]}
        for name, key in KEYS.items()
    ]


async def test_each_api_key_has_its_own_budget_apart_from_anonymous_callers() -> None:
    settings = make_settings(
        cache={"enabled": False},
        auth={"api_keys": api_keys()},
        rate_limits={
            "enabled": True,
            "api_key": budget(requests=2),
            "anonymous": budget(requests=1),
        },
    )
    backoffice = {"Authorization": f"Bearer {KEYS['backoffice']}"}
    async for gw in open_gateway(settings):
        for _ in range(2):
            accepted(await post(gw, CHEAP, **backoffice))
        refused(await post(gw, CHEAP, **backoffice), "requests")
        accepted(await post(gw, CHEAP, **{"X-API-Key": KEYS["storefront"]}))
        accepted(await post(gw, CHEAP))
        refused(await post(gw, CHEAP), "requests")
        refused(await post(gw, CHEAP, **backoffice), "requests")


async def test_a_shopper_is_one_client_whatever_token_they_hold() -> None:
    """Keyed on the verified email: a fresh login does not bring a fresh budget."""
    settings = make_settings(
        cache={"enabled": False},
        auth={"signing_key": SIGNING_KEY},
        rate_limits={"enabled": True, "shopper": budget(requests=1)},
    )

    def shopper(subject: str, email: str) -> dict[str, str]:
        token = shopper_tokens.issue(SIGNING_KEY, subject, email, 600).token
        return {"Authorization": f"Bearer {token}"}

    async for gw in open_gateway(settings):
        accepted(await post(gw, VIEWER, **shopper("login-1", "ada@example.com")))
        refused(await post(gw, VIEWER, **shopper("login-2", "Ada@Example.com")), "requests")
        accepted(await post(gw, VIEWER, **shopper("login-3", "grace@example.com")))


async def test_the_window_passes_and_the_client_is_served_again() -> None:
    async for gw in open_gateway(limited(anonymous=budget(requests=1, window_s=1))):
        accepted(await post(gw, CHEAP))
        retry_after = refused(await post(gw, CHEAP), "requests")
        await asyncio.sleep(retry_after)
        accepted(await post(gw, CHEAP))


@pytest.mark.parametrize(
    ("window", "cost", "expected"),
    [
        ((0, 0.0, 10, HOUR + 5.0), 1, 5 + 360),  # this window's 10 must fall to 9
        ((10, 45.0, 2, HOUR + 45.0), 4, 45 - 2160),  # fits now: at least 1
        ((10, 1800.0, 2, HOUR + 1800.0), 4, 1800 - 1440),  # previous 10 weigh 5 now, 4 later
        ((10, 1800.0, 10, HOUR + 1800.0), 10, 1800 + HOUR),  # nothing may be left
    ],
)
def test_retry_after_is_when_the_cost_fits_again(
    window: tuple[int, float, int, float], cost: int, expected: int
) -> None:
    assert retry_after(window, 10, cost, HOUR) == max(1, expected)


async def test_limits_are_off_in_demo_mode_unless_enabled() -> None:
    async for gw in open_gateway(make_settings(rate_limits={"anonymous": budget(requests=1)})):
        for _ in range(3):
            accepted(await post(gw, CHEAP))


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"cgtest-{uuid.uuid4().hex[:12]}"
    yield prefix
    with redis.Redis.from_url(REDIS_URL) as client:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            client.delete(*keys)


@pytest.mark.redis
async def test_two_replicas_sharing_redis_draw_on_one_budget(
    tmp_path: Path, redis_prefix: str
) -> None:
    sandbox = start_sandbox(tmp_path / "sandbox")
    env = {
        "SANDBOX_URL": sandbox.url,
        "CACHE__ENABLED": "false",
        "CACHE__URL": REDIS_URL,
        "CACHE__KEY_PREFIX": redis_prefix,
        "AUTH__API_KEYS": json.dumps(api_keys()),
        "RATE_LIMITS__ENABLED": "true",
        "RATE_LIMITS__API_KEY__REQUESTS": "4",
        "RATE_LIMITS__API_KEY__WINDOW_S": str(HOUR),
    }
    replicas: list[Server] = []
    try:
        for name in ("a", "b"):
            replicas.append(start_gateway(tmp_path / name, **env))
        headers = {"Authorization": f"Bearer {KEYS['backoffice']}"}
        clients = [httpx.AsyncClient(base_url=r.url, headers=headers, timeout=30) for r in replicas]
        a, b = (Gateway(c) for c in clients)
        try:
            for gw in (a, b, a, b):  # two each: neither replica alone is over 4
                accepted(await post(gw, CHEAP))
            assert await sandbox_calls(sandbox) > 0
            await reset(sandbox)
            for gw in (a, b):
                refused(await post(gw, CHEAP), "requests")
            assert await sandbox_calls(sandbox) == 0
        finally:
            for c in clients:
                await c.aclose()
    finally:
        for server in [*replicas, sandbox]:
            server.stop()


async def sandbox_calls(sandbox: Server) -> int:
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        stats: dict[str, Any] = (await http.get("/sandbox/_stats")).json()
    return sum(int(entry["total"]) for entry in stats.values())


async def reset(sandbox: Server) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        assert (await http.post("/sandbox/_stats/reset")).status_code == 204
