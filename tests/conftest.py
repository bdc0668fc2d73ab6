"""Fixtures that drive the real app and the real sandboxes over HTTP (ASGI transport).

Nothing of ours is mocked: the gateway app is built from settings, its adapters talk
to the sandbox apps through httpx, and failures come from the sandboxes' faults.
"""

from __future__ import annotations

import functools
import os
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import httpx
import pytest
import redis

from gateway.app import create_app
from gateway.config import Settings
from gateway.providers import SPECS


def make_settings(**overrides: Any) -> Settings:
    """Settings as a fresh machine has them, ignoring this machine's env and .env."""
    base: dict[str, Any] = {spec.key: {"timeout_s": 2.0} for spec in SPECS}
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return Settings(_env_file=None, **base)  # type: ignore[call-arg]


def live_credentials(secret: str) -> dict[str, str]:
    """`<NAME>__<FIELD>` for every credential every provider needs to be live.

    Read from the specs, so a provider added later is covered without naming it here.
    """
    return {
        f"{spec.key.upper()}__{field.upper()}": secret
        for spec in SPECS
        for field in spec.settings.credential_fields
    }


class Gateway:
    """A GraphQL client for the app, plus the sandbox control surface."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, **variables: Any) -> dict[str, Any]:
        """The `data` of a query that must not fail."""
        body = await self.gql(query, **variables)
        assert "errors" not in body, body.get("errors")
        data: dict[str, Any] = body["data"]
        return data

    async def stats(self) -> dict[str, Any]:
        response = await self.client.get("/sandbox/_stats")
        assert response.status_code == 200
        stats: dict[str, Any] = response.json()
        return stats

    async def calls(self, provider: str) -> int:
        return int((await self.stats())[provider]["total"])

    async def reset_stats(self) -> None:
        assert (await self.client.post("/sandbox/_stats/reset")).status_code == 204

    async def set_faults(self, provider: str, **faults: Any) -> None:
        response = await self.client.put(f"/sandbox/{provider}/_faults", json=faults)
        assert response.status_code == 200, response.text

    async def clear_faults(self, provider: str) -> None:
        assert (await self.client.delete(f"/sandbox/{provider}/_faults")).status_code == 204


async def open_gateway(settings: Settings) -> AsyncGenerator[Gateway]:
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway"
        ) as client,
    ):
        yield Gateway(client)


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    async for gw in open_gateway(make_settings()):
        yield gw


@pytest.fixture
async def uncached_gateway() -> AsyncIterator[Gateway]:
    """For tests of what one request costs upstream, which the read cache would hide."""
    async for gw in open_gateway(make_settings(cache={"enabled": False})):
        yield gw


REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")


@functools.cache
def redis_reachable() -> bool:
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1) as r:
            return bool(r.ping())
    except (redis.RedisError, OSError):
        return False


def pytest_runtest_setup(item: pytest.Item) -> None:
    """`redis` tests skip without a Redis, except where REQUIRE_REDIS=1 (CI) says fail."""
    if item.get_closest_marker("redis") is None or redis_reachable():
        return
    if os.environ.get("REQUIRE_REDIS") == "1":
        pytest.fail("Redis at REDIS_URL is unreachable and REQUIRE_REDIS=1", pytrace=False)
    pytest.skip("Redis at REDIS_URL is unreachable (REQUIRE_REDIS=1 makes this a failure)")
