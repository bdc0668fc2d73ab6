"""Conformance of the Clover sandbox with Clover's own Ecommerce client.

The official `clover-ecomm-sdk` (pinned in package.json and its lockfile, installed by
`npm ci` in this folder) runs in Node against `customer-gateway sandbox`, the sandbox
server as users start it, over real loopback HTTP (see conformance.js for how it is
aimed there). It creates a card-on-file customer, renames it and adds a second card,
creates, fetches and pays an order, charges a test card (replayed and misused
idempotency keys, a declining test card, an authorization then a capture), fetches a
charge, and deletes the customer; the v3 API sees the cards the SDK saved. An
independent client agreeing with the sandbox is the evidence that the sandbox speaks
Clover's wire format, not just what our adapter expects.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandboxes.clover.app import DEMO_ACCESS_TOKEN, DEMO_MERCHANT_ID
from tests.servers import Server, require_node_modules, run_node, start_sandbox

HERE = Path(__file__).parent
MOUNT = "/sandbox/clover"


@pytest.fixture
def sandbox_server(tmp_path: Path) -> Iterator[Server]:
    """`customer-gateway sandbox` on a free port; Clover's rate limit raised for the script."""
    server = start_sandbox(tmp_path, SANDBOX__PEOPLE="20", SANDBOX__CLOVER_RATE_LIMIT_PER_S="1000")
    try:
        yield server
    finally:
        server.stop()


def run_sdk(port: int, out: Path) -> dict[str, Any]:
    require_node_modules(HERE, "clover-ecomm-sdk")
    env = {
        "CLOVER_HOST": "127.0.0.1",
        "CLOVER_PORT": str(port),
        "CLOVER_MOUNT": MOUNT,
        "CLOVER_ACCESS_TOKEN": DEMO_ACCESS_TOKEN,
        "CLOVER_MERCHANT_ID": DEMO_MERCHANT_ID,
    }
    return run_node(HERE / "conformance.js", out, env)


def ok(answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["status"] == 200, answer
    body: dict[str, Any] = answer["body"]
    return body


def error(answer: dict[str, Any], status: int) -> dict[str, Any]:
    assert answer["status"] == status, answer
    assert set(answer["body"]) == {"error"}, answer
    body: dict[str, Any] = answer["body"]["error"]
    return body


def test_official_node_sdk_drives_customers_cards_orders_and_charges(
    sandbox_server: Server, tmp_path: Path
) -> None:
    port = int(sandbox_server.url.rsplit(":", 1)[1])
    out = run_sdk(port, tmp_path / "sdk.json")

    assert ok(out["apiKey"])["apiAccessKey"]
    tokens = {name: answer for name, answer in out["tokens"].items() if name != "badNumber"}
    for answer in tokens.values():
        token = ok(answer)
        assert token["id"].startswith("clv_")
        assert token["object"] == "token"
    assert ok(out["tokens"]["amex"])["card"] == {
        "exp_month": "12",
        "exp_year": "2031",
        "first6": "378282",
        "last4": "0005",
        "brand": "AMEX",
    }
    assert error(out["tokens"]["badNumber"], 400)["code"] == "incorrect_number"

    created = ok(out["created"])
    assert (created["object"], created["email"], created["name"]) == (
        "customer",
        "grace.sdk@example.com",
        "Grace Hopper",
    )
    assert created["shipping"]["address"] == {"line1": "1 Navy Yard", "postal_code": "20374"}
    assert ok(out["renamed"])["name"] == "Amazing Grace"
    assert len(ok(out["secondCard"])["sources"]["data"]) == 2
    assert error(out["reusedToken"], 400)["code"] == "token_already_used"
    v3 = ok(out["v3"])
    assert sorted(c["last4"] for c in v3["cards"]["elements"]) == ["4242", "4444"]
    assert v3["firstName"] == "Amazing"

    order = ok(out["order"])
    assert (order["object"], order["status"], order["customer"]) == (
        "order",
        "created",
        created["id"],
    )
    assert (order["amount"], order["tax_amount"]) == (2716 + 272, 272)
    assert ok(out["fetchedOrder"]) == order
    paid = ok(out["paid"])
    assert (paid["id"], paid["status"], paid["amount_paid"]) == (order["id"], "paid", 2988)
    assert error(out["paidAgain"], 400)["code"] == "order_already_paid"
    listed = ok(out["orderList"])
    assert listed["object"] == "list"
    assert [o["id"] for o in listed["data"]] == [order["id"]]

    charge = ok(out["charge"])
    assert (charge["object"], charge["status"], charge["paid"], charge["captured"]) == (
        "charge",
        "succeeded",
        True,
        True,
    )
    assert (charge["amount"], charge["currency"], charge["source"]["last4"]) == (
        1500,
        "usd",
        "0005",
    )
    assert ok(out["replayed"]) == charge
    reused = error(out["keyReused"], 400)
    assert reused["type"] == "idempotency_error"
    assert error(out["noKey"], 400)["param"] == "idempotency-key"
    declined = error(out["declined"], 402)
    assert (declined["type"], declined["code"]) == ("card_error", "card_declined")
    assert declined["charge"]

    authorized = ok(out["authorized"])
    assert (authorized["captured"], authorized["customer"]) == (False, created["id"])
    captured = ok(out["captured"])
    assert (captured["id"], captured["captured"], captured["amount_captured"]) == (
        authorized["id"],
        True,
        2000,
    )
    assert ok(out["fetchedCharge"]) == charge
    assert error(out["missingCharge"], 404)["code"] == "resource_missing"

    assert ok(out["revoked"])["object"] == "deletedcard"
    assert ok(out["deleted"]) == {"deleted": True, "id": created["id"], "object": "customer"}
    assert error(out["afterDelete"], 404)["code"] == "resource_missing"
