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

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.ports import free_port
from sandboxes.square.app import DEMO_ACCESS_TOKEN
from tests.servers import STARTUP_DEADLINE_S, node_executable, require_node_modules

HERE = Path(__file__).parent


@pytest.fixture
def sandbox_url(tmp_path: Path) -> Iterator[str]:
    """`customer-gateway sandbox` on a free loopback port, in a clean environment."""
    executable = Path(sys.executable).with_name("customer-gateway")
    if not executable.exists():
        pytest.fail(f"{executable} is missing: install the package (scripts/bootstrap)")
    port = free_port()
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    log = tmp_path / "sandbox.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(executable), "sandbox", "--port", str(port)],
            cwd=tmp_path,
            env=clean,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/sandbox"
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        while not _answers(f"{url}/_providers"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"customer-gateway sandbox did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.05)
        yield f"{url}/square"
    finally:
        process.terminate()
        process.wait(timeout=15)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.TransportError:
        return False


def run_sdk(base_url: str, out: Path) -> dict[str, Any]:
    require_node_modules(HERE, "square")
    done = subprocess.run(
        [node_executable(), str(HERE / "conformance.js"), str(out)],
        cwd=HERE,
        env={
            "PATH": "/usr/bin:/bin",
            "SQUARE_BASE_URL": base_url,
            "SQUARE_TOKEN": DEMO_ACCESS_TOKEN,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(out.read_text())
    return result


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
