"""`/readyz`: 503 naming the cause for what needs a fix, 200 with `degraded` for an outage.

Providers run as a real `customer-gateway sandbox` process, reached the way a live
provider is (credentials and `base_url`), so the startup credential check really
goes over a socket and a wrong token is really refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.providers.clover import settings as clover
from gateway.providers.elasticpath import settings as elasticpath
from gateway.providers.square.settings import SANDBOX_ACCESS_TOKEN
from tests.conftest import make_settings, open_gateway
from tests.servers import start_sandbox


@pytest.fixture(scope="module")
def sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    try:
        yield server.url
    finally:
        server.stop()


def live_square(sandbox_url: str, token: str, **overrides: Any) -> Any:
    """Square live at the sandbox process; the other providers on its emulators."""
    return make_settings(
        gateway_mode="demo",
        sandbox_url=sandbox_url,
        square={"access_token": token, "base_url": f"{sandbox_url}/sandbox/square"},
        **overrides,
    )


async def square_calls(sandbox_url: str) -> int:
    async with httpx.AsyncClient() as client:
        stats = (await client.get(f"{sandbox_url}/sandbox/_stats")).json()
    return int(stats["square"]["total"])


async def square_down(sandbox_url: str, down: bool) -> None:
    """Square's sandbox answers every call 503 (or again normally)."""
    faults = f"{sandbox_url}/sandbox/square/_faults"
    async with httpx.AsyncClient() as client:
        if down:
            response = await client.put(faults, json={"error_rate": 1.0, "error_status": 503})
            assert response.status_code == 200
        else:
            assert (await client.delete(faults)).status_code == 204


async def test_ready_by_default_with_every_provider_named() -> None:
    async for gateway in open_gateway(make_settings()):
        response = await gateway.client.get("/readyz")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ready"
        assert body["causes"] == []
        assert "redis" not in body  # not configured: nothing to be unreachable
        assert set(body["checks"]) == set(body["providers"])


async def test_redis_configured_and_unreachable_is_not_ready() -> None:
    async for gateway in open_gateway(make_settings(cache={"url": "redis://127.0.0.1:1/0"})):
        response = await gateway.client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["causes"] == ["redis"]
        assert response.json()["redis"] == "unreachable"
        assert (await gateway.client.get("/healthz")).status_code == 200  # still alive


async def test_refused_credentials_are_not_ready_and_checked_once(sandbox_url: str) -> None:
    async for gateway in open_gateway(live_square(sandbox_url, "wrong")):
        before = await square_calls(sandbox_url)
        for _ in range(3):
            response = await gateway.client.get("/readyz")
            assert response.status_code == 503
        body = response.json()
        assert body["status"] == "not_ready"
        assert body["causes"] == ["square"]
        assert body["checks"]["square"]["status"] == "credentials_refused"
        assert "wrong" not in response.text
        assert await square_calls(sandbox_url) == before  # probes never call the provider


WRONG = {
    "square": {"access_token": "wrong"},
    "clover": {"access_token": "wrong", "merchant_id": clover.SANDBOX_MERCHANT_ID},
    "elasticpath": {"client_id": elasticpath.SANDBOX_CLIENT_ID, "client_secret": "wrong"},
    "digitalriver": {"secret_key": "sk_test_wrong"},
}


@pytest.mark.parametrize("provider", sorted(WRONG))
async def test_each_provider_s_refused_credentials_are_named(
    sandbox_url: str, provider: str
) -> None:
    live = {**WRONG[provider], "base_url": f"{sandbox_url}/sandbox/{provider}"}
    settings = make_settings(gateway_mode="demo", sandbox_url=sandbox_url, **{provider: live})
    async for gateway in open_gateway(settings):
        response = await gateway.client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["causes"] == [provider]
        assert "wrong" not in response.text


async def test_good_credentials_are_checked_at_startup(sandbox_url: str) -> None:
    before = await square_calls(sandbox_url)
    async for gateway in open_gateway(live_square(sandbox_url, SANDBOX_ACCESS_TOKEN)):
        response = await gateway.client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["checks"]["square"] == {"status": "ok", "detail": None}
        assert response.json()["providers"]["square"] == "custom"
    assert await square_calls(sandbox_url) > before


async def test_a_provider_down_is_degraded_but_ready(sandbox_url: str) -> None:
    await square_down(sandbox_url, True)
    try:
        async for gateway in open_gateway(live_square(sandbox_url, SANDBOX_ACCESS_TOKEN)):
            response = await gateway.client.get("/readyz")
            assert response.status_code == 200
            body = response.json()
            assert body["status"] == "degraded"
            assert body["causes"] == []
            assert body["checks"]["square"]["status"] == "degraded"
    finally:
        await square_down(sandbox_url, False)


async def test_the_check_repeats_in_the_background(sandbox_url: str) -> None:
    settings = live_square(sandbox_url, SANDBOX_ACCESS_TOKEN, readiness_interval_s=0.05)
    async for gateway in open_gateway(settings):
        assert (await gateway.client.get("/readyz")).json()["status"] == "ready"
        await square_down(sandbox_url, True)
        try:
            for _ in range(200):  # a hang guard, not a timing assertion
                body = (await gateway.client.get("/readyz")).json()
                if body["status"] == "degraded":
                    break
                await asyncio.sleep(0.05)
            assert body["status"] == "degraded"
        finally:
            await square_down(sandbox_url, False)
