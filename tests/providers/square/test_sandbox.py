"""The Square sandbox answers every failure in Square's envelope, driven over raw HTTP.

The emulator kit's part: FastAPI's own refusals (unknown routes, wrong methods,
malformed parameters) and a missing token take Square's `{"errors": [...]}`
shape, never `{"detail": ...}`; cursors are opaque and bound to their query.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.config import SandboxSettings
from gateway.model import ProviderName
from sandboxes.seed import for_provider, people
from sandboxes.square.app import DEMO_ACCESS_TOKEN, create_sandbox

SETTINGS = SandboxSettings(people=30)


@pytest.fixture
async def square() -> AsyncIterator[httpx.AsyncClient]:
    population = for_provider(people(SETTINGS.seed, SETTINGS.people), ProviderName.SQUARE)
    app = create_sandbox(population, SETTINGS)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://square",
        headers={"Authorization": f"bearer {DEMO_ACCESS_TOKEN}"},
    ) as client:
        yield client


def error_of(response: httpx.Response) -> tuple[int, str, str, str | None]:
    [error] = response.json()["errors"]
    return response.status_code, error["category"], error["code"], error.get("field")


async def test_routing_and_parameter_errors_use_the_square_envelope(
    square: httpx.AsyncClient,
) -> None:
    assert error_of(await square.get("/v2/nothing-here")) == (
        404,
        "INVALID_REQUEST_ERROR",
        "NOT_FOUND",
        None,
    )
    assert error_of(await square.patch("/v2/customers")) == (
        405,
        "INVALID_REQUEST_ERROR",
        "METHOD_NOT_ALLOWED",
        None,
    )
    assert error_of(await square.get("/v2/customers", params={"limit": "ten"})) == (
        400,
        "INVALID_REQUEST_ERROR",
        "INVALID_VALUE",
        "limit",
    )
    refused = await square.post("/v2/customers/search", content=b"[1]")
    assert error_of(refused)[2] == "EXPECTED_OBJECT"
    assert (await square.post("/v2/customers/search", json={"query": {}})).status_code == 200


async def test_a_missing_or_wrong_token_is_an_authentication_error(
    square: httpx.AsyncClient,
) -> None:
    for header in ("", "Bearer wrong", f"Basic {DEMO_ACCESS_TOKEN}"):
        response = await square.get("/v2/customers", headers={"Authorization": header})
        assert error_of(response) == (401, "AUTHENTICATION_ERROR", "UNAUTHORIZED", None)


async def test_a_cursor_pages_only_the_query_it_was_issued_for(square: httpx.AsyncClient) -> None:
    first = (await square.get("/v2/customers", params={"limit": 2})).json()
    second = await square.get("/v2/customers", params={"limit": 2, "cursor": first["cursor"]})
    assert second.status_code == 200
    assert {c["id"] for c in first["customers"]}.isdisjoint(
        c["id"] for c in second.json()["customers"]
    )
    foreign = await square.post("/v2/customers/search", json={"cursor": first["cursor"]})
    assert error_of(foreign) == (400, "INVALID_REQUEST_ERROR", "INVALID_CURSOR", "cursor")
    garbled = await square.get("/v2/customers", params={"cursor": "not-a-cursor"})
    assert error_of(garbled)[2] == "INVALID_CURSOR"
