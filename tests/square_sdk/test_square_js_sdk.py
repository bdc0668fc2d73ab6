"""Conformance of the Square sandbox with Square's official Node SDK, beside the Python one.

The npm `square` SDK (pinned in package.json and its lockfile, installed by `npm ci` in
this folder) runs in Node against `customer-gateway sandbox`, the sandbox server as
users start it, through the SDK's documented `baseUrl` option: locations, customers
(idempotent create, versioned update, search, the list pager, and BulkCreate,
BulkRetrieve, BulkUpdate, BulkDelete), cards (create, list by reference id, retrieve,
disable) and orders (search by state and by customer, retrieve). The Python `squareup`
SDK drives the same calls in tests/providers/square/test_adapter.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandboxes.square.app import DEMO_ACCESS_TOKEN
from tests.servers import require_node_modules, run_node, start_sandbox

HERE = Path(__file__).parent


@pytest.fixture
def sandbox_url(tmp_path: Path) -> Iterator[str]:
    """`customer-gateway sandbox` on a free loopback port, in a clean environment."""
    server = start_sandbox(tmp_path)
    try:
        yield f"{server.url}/sandbox/square"
    finally:
        server.stop()


def run_sdk(base_url: str, out: Path) -> dict[str, Any]:
    require_node_modules(HERE, "square")
    env = {"SQUARE_BASE_URL": base_url, "SQUARE_TOKEN": DEMO_ACCESS_TOKEN}
    return run_node(HERE / "conformance.js", out, env)


def test_official_node_sdk_drives_the_sandbox(sandbox_url: str, tmp_path: Path) -> None:
    out = run_sdk(sandbox_url, tmp_path / "sdk.json")

    [location] = out["locations"]["locations"]
    assert out["mainLocation"]["location"] == location
    assert (location["status"], location["country"], location["currency"]) == (
        "ACTIVE",
        "US",
        "USD",
    )

    customer = out["created"]["customer"]
    assert out["again"]["customer"] == customer
    assert customer["birthday"] == "0000-12-09"
    assert customer["address"] == {
        "addressLine1": "1 Navy Yard",
        "sublocality2": "Yard 2",
        "administrativeDistrictLevel3": "District 3",
        "locality": "Arlington",
        "country": "US",
    }
    assert (customer["version"], customer["creationSource"]) == ("0", "THIRD_PARTY")
    assert out["reusedKey"]["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert out["fetched"]["customer"] == customer
    updated = out["updated"]["customer"]
    assert (updated["nickname"], updated["version"]) == ("Amazing Grace", "1")
    assert out["stale"]["error"] == {
        "status": 409,
        "category": "INVALID_REQUEST_ERROR",
        "code": "CONFLICT",
        "field": "version",
    }
    assert out["invalid"]["error"]["code"] == "INVALID_EMAIL_ADDRESS"
    assert [c["id"] for c in out["searched"]["customers"]] == [customer["id"]]
    assert out["searched"]["count"] == "1"
    assert len(out["listed"]) == len(set(out["listed"])) == int(out["listCount"])
    assert customer["id"] in out["listed"]

    bulk = out["bulkCreated"]["responses"]
    katherine = bulk["node-bulk-1"]["customer"]
    assert bulk["node-bulk-2"]["errors"][0]["code"] == "INVALID_EMAIL_ADDRESS"
    retrieved = out["bulkRetrieved"]["responses"]
    assert retrieved[katherine["id"]]["customer"] == katherine
    assert retrieved["NOPE"]["errors"][0]["code"] == "NOT_FOUND"
    bulk_updated = out["bulkUpdated"]["responses"]
    assert bulk_updated[katherine["id"]]["customer"]["nickname"] == "Computer"
    assert bulk_updated["NOPE"]["errors"][0]["code"] == "NOT_FOUND"
    assert out["bulkDeleted"]["responses"][katherine["id"]] == {}
    assert out["bulkDeleted"]["responses"]["NOPE"]["errors"][0]["code"] == "NOT_FOUND"

    card = out["card"]["card"]
    assert (card["customerId"], card["cardholderName"], card["referenceId"], card["last4"]) == (
        customer["id"],
        "Grace Hopper",
        "node-card",
        "1111",
    )
    assert out["cards"] == [card["id"]]
    assert out["cardFetched"]["card"] == card
    assert out["disabled"]["card"]["enabled"] is False
    assert (out["enabledAfter"], out["allAfter"]) == ([], [card["id"]])
    assert out["cardMissing"]["error"]["status"] == 404

    completed = out["completed"]["orders"]
    assert {o["state"] for o in completed} == {"COMPLETED"}
    closed = [o["closedAt"] for o in completed]
    assert closed == sorted(closed, reverse=True)
    assert out["order"]["order"] == completed[0]
    entries = out["byCustomer"]["orderEntries"]
    assert completed[0]["id"] in {e["orderId"] for e in entries}
    assert out["badSort"]["error"]["field"] == "query.sort.sort_field"

    assert out["deleted"] == {}
    assert out["afterDelete"]["error"]["status"] == 404
