"""Every fault kind answers on the wire what the README says, only where and as often as set.

Kinds are read from the sandbox app directly (in process, through the gateway's own
sandbox link), and `reset` and `drip` also from `customer-gateway sandbox` over a socket,
since what a dropped or dribbling connection looks like is the socket's business. Each
faulted answer is compared with the same request's unfaulted answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from gateway.config import FaultSettings, SandboxSettings
from gateway.sandbox_link import SandboxTransport
from sandboxes.app import create_sandbox_app
from sandboxes.fault_answers import DRIP_CHUNK_BYTES, PROXY_ERROR_PAGE, wrong_shape
from sandboxes.square.app import DEMO_ACCESS_TOKEN
from tests.conftest import make_settings, open_gateway
from tests.servers import start_sandbox

AUTH = {"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}
LOCATIONS = "/square/v2/locations"
CUSTOMERS = "/square/v2/customers"
HANG_GUARD_S = 30.0
"""How long a request that must not hang may take before the test gives up (not an assertion)."""


@pytest.fixture
def sandbox() -> FastAPI:
    return create_sandbox_app(SandboxSettings(people=12))


@pytest.fixture
async def client(sandbox: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = SandboxTransport(sandbox)
    async with httpx.AsyncClient(transport=transport, base_url="http://sb", headers=AUTH) as http:
        yield http


async def set_faults(http: httpx.AsyncClient, **faults: Any) -> None:
    response = await http.put("/square/_faults", json=faults)
    assert response.status_code == 200, response.text


async def unfaulted(http: httpx.AsyncClient, path: str) -> httpx.Response:
    assert (await http.delete("/square/_faults")).status_code == 204
    response = await http.get(path)
    assert response.status_code == 200
    return response


async def routes(http: httpx.AsyncClient) -> dict[str, int]:
    counted: dict[str, int] = (await http.get("/_stats")).json()["square"]["routes"]
    return counted


async def test_empty_settings_fault_nothing(client: httpx.AsyncClient) -> None:
    real = (await unfaulted(client, LOCATIONS)).content
    await set_faults(client)
    answers = [await client.get(LOCATIONS) for _ in range(20)]
    assert {(answer.status_code, answer.content) for answer in answers} == {(200, real)}


@pytest.mark.parametrize(
    "faults",
    [
        {"kind": "nonsense"},
        {"times": 0},
        {"oversize_bytes": 15},
        {"drip_interval_ms": 0},
        {"retry_after_s": -1},
        {"routes": ["v2/cards"]},
        {"routes": ["get /v2/cards"]},
    ],
)
async def test_invalid_settings_are_refused(client: httpx.AsyncClient, faults: Any) -> None:
    assert (await client.put("/square/_faults", json=faults)).status_code == 422
    with pytest.raises(ValidationError):
        FaultSettings.model_validate(faults)


async def test_status_answers_instead_of_the_emulator(client: httpx.AsyncClient) -> None:
    await set_faults(client, times=1, error_status=502)
    failed = await client.post(CUSTOMERS, json={"given_name": "Neverstored"})
    assert failed.status_code == 502
    assert failed.json() == {"message": "injected fault: 502"}
    listed = (await unfaulted(client, CUSTOMERS)).json()["customers"]
    assert "Neverstored" not in {customer.get("given_name") for customer in listed}


@pytest.mark.parametrize(
    ("retry_after_s", "header"), [(None, "1"), (0.25, "0.25"), (3, "3"), (0.00001, "0.00001")]
)
async def test_429_says_when_to_retry(
    client: httpx.AsyncClient, retry_after_s: float | None, header: str
) -> None:
    await set_faults(client, error_rate=1.0, error_status=429, retry_after_s=retry_after_s)
    response = await client.get(LOCATIONS)
    assert response.status_code == 429
    assert response.headers["retry-after"] == header


async def test_other_statuses_carry_no_retry_after(client: httpx.AsyncClient) -> None:
    await set_faults(client, error_rate=1.0, error_status=503, retry_after_s=5)
    assert "retry-after" not in (await client.get(LOCATIONS)).headers


def test_wrong_shape_retypes_every_top_level_value() -> None:
    real = {"o": {"a": 1}, "l": [1], "s": "text", "n": 3, "f": 1.5, "b": True, "z": None}
    assert wrong_shape(json.dumps(real).encode()) == {
        "o": "x",
        "l": 42,
        "s": [],
        "n": {},
        "f": {},
        "b": {},
        "z": 42,
    }
    assert wrong_shape(b"[1, 2]") == {"items": 42}
    assert wrong_shape(b"") == {"items": 42}


async def test_wrong_shape_is_a_valid_json_200_of_the_wrong_types(
    client: httpx.AsyncClient,
) -> None:
    real = (await unfaulted(client, LOCATIONS)).json()
    assert isinstance(real["locations"], list)
    await set_faults(client, kind="wrong_shape", error_rate=1.0)
    response = await client.get(LOCATIONS)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"locations": 42}


async def test_empty_body_keeps_the_real_status_and_headers(client: httpx.AsyncClient) -> None:
    real = await unfaulted(client, LOCATIONS)
    await set_faults(client, kind="empty_body", error_rate=1.0)
    response = await client.get(LOCATIONS)
    assert (response.status_code, response.content) == (200, b"")
    assert response.headers["content-length"] == "0"
    assert response.headers["square-version"] == real.headers["square-version"]
    missing = await client.get(f"{CUSTOMERS}/NOSUCHCUSTOMER")
    assert (missing.status_code, missing.content) == (404, b"")


async def test_html_is_a_proxy_error_page(client: httpx.AsyncClient) -> None:
    await set_faults(client, kind="html", error_rate=1.0)
    response = await client.get(LOCATIONS)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.content == PROXY_ERROR_PAGE
    with pytest.raises(json.JSONDecodeError):
        response.json()


async def test_truncated_json_is_the_first_half_of_the_real_body(
    client: httpx.AsyncClient,
) -> None:
    real = (await unfaulted(client, LOCATIONS)).content
    await set_faults(client, kind="truncated_json", error_rate=1.0)
    response = await client.get(LOCATIONS)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == real[: len(real) // 2]
    assert response.headers["content-length"] == str(len(real) // 2)
    with pytest.raises(json.JSONDecodeError):
        response.json()


async def test_wrong_content_type_is_the_real_body_as_text(client: httpx.AsyncClient) -> None:
    real = (await unfaulted(client, LOCATIONS)).content
    await set_faults(client, kind="wrong_content_type", error_rate=1.0)
    response = await client.get(LOCATIONS)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.content == real


@pytest.mark.parametrize("size", [16, 12_000_000])
async def test_oversize_is_valid_json_of_the_set_size(client: httpx.AsyncClient, size: int) -> None:
    await set_faults(client, kind="oversize", error_rate=1.0, oversize_bytes=size)
    response = await client.get(LOCATIONS)
    assert response.status_code == 200
    assert response.headers["content-length"] == str(size)
    assert len(response.content) == size
    assert set(response.json()) == {"padding"}


async def test_reset_drops_the_in_process_link_after_the_write(
    client: httpx.AsyncClient,
) -> None:
    await set_faults(client, kind="reset", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(CUSTOMERS, json={"given_name": "Committed"})
    listed = (await unfaulted(client, CUSTOMERS)).json()["customers"]
    assert "Committed" in {customer.get("given_name") for customer in listed}
    assert (await routes(client))["POST /v2/customers"] == 1


async def test_drip_sends_the_real_body_in_small_steps(
    sandbox: FastAPI, client: httpx.AsyncClient
) -> None:
    """Counted at the ASGI interface: one body message per step, none larger than a step."""
    real = (await unfaulted(client, LOCATIONS)).content
    await set_faults(client, kind="drip", error_rate=1.0, drip_interval_ms=1)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": LOCATIONS,
        "raw_path": LOCATIONS.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"authorization", AUTH["Authorization"].encode())],
        "server": ("sb", 80),
        "client": ("127.0.0.1", 1),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    await sandbox(scope, receive, send)
    steps = [m["body"] for m in sent if m["type"] == "http.response.body" and m["body"]]
    assert b"".join(steps) == real
    assert len(steps) == -(-len(real) // DRIP_CHUNK_BYTES)
    assert max(len(step) for step in steps) == DRIP_CHUNK_BYTES


async def test_routes_fault_only_the_named_route(client: httpx.AsyncClient) -> None:
    listed = (await unfaulted(client, CUSTOMERS)).json()["customers"]
    one = f"{CUSTOMERS}/{listed[0]['id']}"
    await set_faults(client, error_rate=1.0, routes=["GET /v2/customers/{customer_id}"])
    assert (await client.get(CUSTOMERS)).status_code == 200
    assert (await client.get(one)).status_code == 503
    counted = await routes(client)
    assert counted["GET /v2/customers"] == 2
    assert counted["GET /v2/customers/{customer_id}"] == 1


async def test_a_route_without_method_faults_every_method(client: httpx.AsyncClient) -> None:
    listed = (await unfaulted(client, CUSTOMERS)).json()["customers"]
    one = f"{CUSTOMERS}/{listed[0]['id']}"
    await set_faults(client, error_rate=1.0, routes=["/v2/customers/{customer_id}"])
    assert (await client.get(one)).status_code == 503
    assert (await client.put(one, json={"customer": {"nickname": "n"}})).status_code == 503
    assert (await client.get(CUSTOMERS)).status_code == 200


async def test_hang_spares_the_routes_not_named(client: httpx.AsyncClient) -> None:
    await set_faults(client, hang=True, routes=["POST /v2/cards"])
    async with asyncio.timeout(HANG_GUARD_S):
        assert (await client.get(LOCATIONS)).status_code == 200


async def test_times_counts_down_then_serves(client: httpx.AsyncClient) -> None:
    await set_faults(client, times=2, routes=["GET /v2/locations"])
    assert (await client.get(CUSTOMERS)).status_code == 200
    statuses = [(await client.get(LOCATIONS)).status_code for _ in range(4)]
    assert statuses == [503, 503, 200, 200]
    await set_faults(client, times=1)
    assert [(await client.get(LOCATIONS)).status_code for _ in range(2)] == [503, 200]


async def test_times_with_a_rate_counts_faults_not_requests(client: httpx.AsyncClient) -> None:
    await set_faults(client, times=3, error_rate=0.5)
    statuses = [(await client.get(LOCATIONS)).status_code for _ in range(40)]
    assert statuses.count(503) == 3
    third = [index for index, status in enumerate(statuses) if status == 503][-1]
    assert third > 2, "requests the draw spared used up `times`"


async def test_the_gateway_reports_a_reset_as_that_providers_failure() -> None:
    settings = make_settings(
        sandbox={"faults": {"square": {"kind": "reset", "error_rate": 1.0}}},
        cache={"enabled": False},
    )
    async for gw in open_gateway(settings):
        body = await gw.gql("{ customers(first: 1) { nodes { id } } }")
        (error,) = body["errors"]
        assert error["extensions"]["provider"] == "SQUARE"
        assert error["extensions"]["code"] == "PROVIDER_UNAVAILABLE"


async def test_a_crash_before_answering_is_a_500_like_uvicorns() -> None:
    async def crashing(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    async with httpx.AsyncClient(transport=SandboxTransport(crashing), base_url="http://x") as http:
        response = await http.get("/")
    assert (response.status_code, response.text) == (500, "Internal Server Error")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    server = start_sandbox(tmp_path_factory.mktemp("faults"))
    try:
        with httpx.Client(base_url=f"{server.url}/sandbox", headers=AUTH, timeout=30) as http:
            yield http
    finally:
        server.stop()


def test_reset_over_a_socket_is_a_dropped_connection(served: httpx.Client) -> None:
    served.put("/square/_faults", json={"kind": "reset", "times": 1}).raise_for_status()
    with pytest.raises(httpx.RemoteProtocolError):
        served.get(LOCATIONS)
    assert served.get(LOCATIONS).status_code == 200


def test_drip_over_a_socket_arrives_whole_in_pieces(served: httpx.Client) -> None:
    served.delete("/square/_faults").raise_for_status()
    real = served.get(LOCATIONS).content
    faults = {"kind": "drip", "times": 1, "drip_interval_ms": 20}
    served.put("/square/_faults", json=faults).raise_for_status()
    with served.stream("GET", LOCATIONS) as response:
        assert response.headers["content-length"] == str(len(real))
        pieces = list(response.iter_raw())
    assert b"".join(pieces) == real
    assert len(pieces) > 1
