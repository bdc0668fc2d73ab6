"""Every write leaves one `gateway.audit` record: who, what, where, how it ended; no values."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.auth.conftest import post
from tests.conftest import Gateway

EMAIL = "audit.person@example.com"
CREATE = """mutation($email: String) { createCustomer(input: {provider: SQUARE, email: $email,
  givenName: "Audrey"}) { customer { id } userErrors { code } } }"""
UPDATE = """mutation($id: ID!) { updateCustomer(input: {id: $id, note: "secret note"})
  { userErrors { code } } }"""
DELETE = "mutation($id: ID!) { deleteCustomer(input: {id: $id}) { userErrors { code } } }"


def audits(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [r.__dict__["audit"] for r in caplog.records if r.name == "gateway.audit"]


async def test_writes_are_audited(keyed_gateway: Gateway, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gateway.audit")
    _, created = await post(keyed_gateway, CREATE, "all", email=EMAIL)
    customer_id = created["data"]["createCustomer"]["customer"]["id"]
    await post(keyed_gateway, UPDATE, "customers_write", id=customer_id)
    await post(keyed_gateway, DELETE, "customers_read", id=customer_id)  # refused
    gone = customer_id[:-2] + "zz"
    await post(keyed_gateway, DELETE, "all", id=gone)
    await post(keyed_gateway, "{ customers(first: 1) { nodes { id } } }", "all")  # a read
    records = audits(caplog)
    assert [(r["who"], r["operation"], r["outcome"]) for r in records[:3]] == [
        ("all", "createCustomer", "ok"),
        ("customers_write", "updateCustomer", "ok"),
        ("customers_read", "deleteCustomer", "FORBIDDEN"),
    ]
    assert len(records) == 4
    assert records[3]["outcome"] in {"NOT_FOUND", "BAD_USER_INPUT"}
    for record in records[:3]:
        assert record["provider"] == "square"
        assert record["customer_id"] == customer_id
        assert record["kind"] == "api_key"
        assert record["request_id"] not in {"", "-"}
    lines = "\n".join(r.getMessage() for r in caplog.records if r.name == "gateway.audit")
    assert EMAIL not in lines.lower()
    assert "Audrey" not in lines
    assert "secret note" not in lines
    assert "test-key" not in lines
