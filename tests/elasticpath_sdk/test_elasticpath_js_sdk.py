"""Conformance of the Elastic Path sandbox with Elastic Path's own client.

The official `@elasticpath/js-sdk` (pinned in package.json and its lockfile, installed
by `npm ci` in this folder) runs in Node against the sandbox served over real loopback
HTTP, through the SDK's documented custom `host`/`protocol` settings: it authenticates,
creates, fetches, updates, filters and deletes a customer, creates an address, logs
the customer in, and reads orders (whose addresses carry every field the orders spec
requires). An independent client agreeing with the sandbox is the evidence that the
sandbox speaks Elastic Path's wire format, not just what our adapter expects.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from gateway.config import SandboxSettings
from gateway.model import ProviderName
from sandboxes.elasticpath.app import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    create_sandbox,
)
from sandboxes.seed import for_provider, people
from tests.servers import require_node_modules, run_node

HERE = Path(__file__).parent
SETTINGS = SandboxSettings(people=20)


@pytest.fixture
def sandbox_host() -> Iterator[str]:
    """The Elastic Path sandbox alone, served by uvicorn on a free loopback port."""
    population = for_provider(people(SETTINGS.seed, SETTINGS.people), ProviderName.ELASTIC_PATH)
    app = create_sandbox(population, SETTINGS)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", ws="none", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                pytest.fail("the sandbox server did not start")
            thread.join(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def run_sdk(host: str, out: Path) -> dict[str, Any]:
    require_node_modules(HERE, "@elasticpath/js-sdk")
    env = {"EP_HOST": host, "EP_CLIENT_ID": DEMO_CLIENT_ID, "EP_CLIENT_SECRET": DEMO_CLIENT_SECRET}
    return run_node(HERE / "conformance.js", out, env)


def test_official_js_sdk_drives_the_sandbox(sandbox_host: str, tmp_path: Path) -> None:
    out = run_sdk(sandbox_host, tmp_path / "sdk.json")

    assert out["auth"]["identifier"] == "client_credentials"
    assert out["auth"]["token_type"] == "Bearer"

    created = out["created"]["data"]
    assert created["type"] == "customer"
    assert (created["name"], created["email"], created["external_ref"]) == (
        "Grace Hopper",
        "grace.sdk@example.com",
        "sdk-1",
    )
    assert created["password"] is True
    assert out["fetched"]["data"] == created

    updated = out["updated"]["data"]
    assert (updated["id"], updated["name"], updated["email"]) == (
        created["id"],
        "Amazing Grace",
        created["email"],
    )
    assert [c["id"] for c in out["filtered"]["data"]] == [created["id"]]
    assert out["filtered"]["meta"]["results"]["total"] == 1

    address = out["address"]["data"]
    assert (address["type"], address["name"], address["line_1"], address["country"]) == (
        "address",
        "Office",
        "1 Navy Yard",
        "US",
    )
    assert [a["id"] for a in out["addresses"]["data"]] == [address["id"]]

    assert out["token"]["data"]["customer_id"] == created["id"]
    assert out["ownRecord"]["ok"]["data"]["id"] == created["id"]
    assert out["wrongPassword"]["error"]["errors"][0]["status"] == 401

    assert out["afterDelete"]["error"]["errors"][0]["status"] == 404

    [first, *_] = out["orders"]["data"]
    assert out["order"]["data"] == first
    address = {"first_name", "last_name", "company_name", "line_1", "line_2", "city"}
    address |= {"postcode", "county", "country", "region"}
    assert address <= set(first["billing_address"])
    assert address | {"phone_number", "instructions"} <= set(first["shipping_address"])
