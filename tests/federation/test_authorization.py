"""Through a real Apollo gateway to our subgraph requiring credentials: the client's own.

A second gateway of ours runs with `AUTH__REQUIRED=true` and two API keys; an Apollo
gateway serves a supergraph composed beforehand (compose.mjs, as Rover does), so it
never calls our subgraph on its own account, and forwards each client's
`Authorization` header (router.mjs, `willSendRequest`). A client with a key is
served; one without is refused by our subgraph, and the refusal reaches the client
through the router with nothing sent to any provider. The shared, unauthenticated
gateway of the other federation tests is not involved.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.auth.api_keys import digest
from tests.federation.conftest import FEDERATION, Gateway, composed_supergraph
from tests.servers import start_gateway, start_node

READER = "test-federation-reader-key-0123456789"
SCHEMA_ONLY = "test-federation-schema-only-key-01234"
CUSTOMERS = "{ customers(first: 2) { nodes { id provider email } } }"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    keys = [
        {"name": "reader", "sha256": digest(READER), "scopes": ["customers:read"]},
        {"name": "schema-only", "sha256": digest(SCHEMA_ONLY), "scopes": ["schema:read"]},
    ]
    server = start_gateway(
        tmp_path_factory.mktemp("guarded"),
        CACHE__ENABLED="false",
        AUTH__REQUIRED="true",
        AUTH__API_KEYS=json.dumps(keys),
    )
    try:
        yield Gateway(server.url)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def forwarding(
    node_modules: None, guarded: Gateway, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The Apollo gateway's URL, over a supergraph of our exported SDL."""
    workdir = tmp_path_factory.mktemp("forwarding")
    supergraph = composed_supergraph(workdir)
    server = start_node(
        FEDERATION / "router.mjs",
        f"--supergraph={supergraph}",
        f"customers={guarded.url}",
        workdir=workdir,
    )
    try:
        yield server.url
    finally:
        server.stop()


def through(router: str, **headers: str) -> dict[str, Any]:
    response = httpx.post(router, json={"query": CUSTOMERS}, headers=headers, timeout=60.0)
    assert response.status_code == 200, response.text  # the router answers; errors inside
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


def test_our_subgraph_refuses_a_direct_request_without_credentials(guarded: Gateway) -> None:
    response = httpx.post(guarded.url, json={"query": CUSTOMERS}, timeout=60.0)
    assert response.status_code == 401
    assert codes(response.json()) == ["UNAUTHENTICATED"]


def test_a_client_with_a_key_is_served_through_the_router(
    guarded: Gateway, forwarding: str
) -> None:
    guarded.reset_stats()
    body = through(forwarding, Authorization=f"Bearer {READER}")

    assert "errors" not in body, body["errors"]
    assert len(body["data"]["customers"]["nodes"]) == 2
    assert sum(guarded.calls().values()) > 0


def test_a_client_without_credentials_is_refused_through_the_router(
    guarded: Gateway, forwarding: str
) -> None:
    guarded.reset_stats()
    body = through(forwarding)

    assert body.get("data") is None
    assert codes(body) == ["UNAUTHENTICATED"]
    assert sum(guarded.calls().values()) == 0


def test_a_wrong_key_is_refused_through_the_router(guarded: Gateway, forwarding: str) -> None:
    guarded.reset_stats()
    body = through(forwarding, Authorization="Bearer not-a-configured-key")

    assert codes(body) == ["UNAUTHENTICATED"]
    assert sum(guarded.calls().values()) == 0


def test_a_key_without_the_scope_is_forbidden_through_the_router(
    guarded: Gateway, forwarding: str
) -> None:
    guarded.reset_stats()
    body = through(forwarding, Authorization=f"Bearer {SCHEMA_ONLY}")

    assert body["data"] is None
    assert codes(body) == ["FORBIDDEN"]
    assert sum(guarded.calls().values()) == 0
