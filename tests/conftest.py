"""Fixtures that drive the real app and the real sandboxes over HTTP (ASGI transport).

Nothing of ours is mocked: the gateway app is built from settings, its adapters talk
to the sandbox apps through httpx, and failures come from the sandboxes' faults.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.config import Settings


def make_settings(**overrides: Any) -> Settings:
    """Settings as a fresh machine has them, ignoring this machine's env and .env."""
    base: dict[str, Any] = {
        "square": {"timeout_s": 1.0},
        "clover": {"timeout_s": 1.0},
        "elasticpath": {"timeout_s": 1.0},
        "digitalriver": {"timeout_s": 1.0},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return Settings(_env_file=None, **base)  # type: ignore[call-arg]


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


async def open_gateway(settings: Settings) -> AsyncIterator[Gateway]:
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
