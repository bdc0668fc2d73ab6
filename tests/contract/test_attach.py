"""attachPaymentSource reports what happened: one source per idempotency key, and a
committed attach whose read-back failed answers the source with a warning.

Every provider that attaches, through the real app and its sandbox: the read-back is
failed with a fault on its route only, so the write itself goes through.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Gateway
from tests.contract.cases import CASES, ProviderCase
from tests.contract.test_customers import create, read

ATTACHING = [c for c in CASES if c.payment_token is not None]
ATTACH = """
mutation($input: AttachPaymentSourceInput!) {
  attachPaymentSource(input: $input) {
    customer { id paymentSources { id kind brand last4 expMonth expYear isDefault } }
    paymentSource { id kind brand last4 expMonth expYear isDefault }
    warnings { code message provider }
    userErrors { field code message }
  }
}"""
UPDATE = """
mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) {
    customer { id } paymentSource { id } warnings { code } userErrors { code }
  }
}"""

by_provider = pytest.mark.parametrize("case", ATTACHING, ids=[c.slug for c in ATTACHING])


async def attach(gw: Gateway, case: ProviderCase, customer_id: str, **extra: Any) -> Any:
    payload = await gw.data(
        ATTACH, input={"customerId": customer_id, "token": case.payment_token, **extra}
    )
    return payload["attachPaymentSource"]


async def attach_calls(gw: Gateway, case: ProviderCase) -> int:
    assert case.attach_route is not None
    return int((await gw.stats())[case.slug]["routes"].get(case.attach_route, 0))


@by_provider
async def test_same_key_attaches_once_and_answers_the_same(
    gateway: Gateway, case: ProviderCase
) -> None:
    created = await create(gateway, case)
    await gateway.reset_stats()
    key = f"attach-once-{case.slug}"
    first = await attach(gateway, case, created["id"], idempotencyKey=key)
    second = await attach(gateway, case, created["id"], idempotencyKey=key)
    for payload in (first, second):
        assert payload["userErrors"] == []
        assert payload["warnings"] == []
        assert payload["customer"]["paymentSources"] == [payload["paymentSource"]]
    assert second["paymentSource"] == first["paymentSource"]
    assert await attach_calls(gateway, case) == (2 if case.native_idempotency else 1)
    stored = await read(gateway, created["id"])
    assert stored is not None
    assert [s["id"] for s in stored["paymentSources"]] == [first["paymentSource"]["id"]]


@by_provider
async def test_a_key_reused_for_another_customer_is_a_conflict(
    gateway: Gateway, case: ProviderCase
) -> None:
    one = await create(gateway, case)
    other = await create(gateway, case, email=f"other.{case.slug}@example.com")
    key = f"attach-reused-{case.slug}"
    assert (await attach(gateway, case, one["id"], idempotencyKey=key))["userErrors"] == []
    before = await attach_calls(gateway, case)
    refused = await attach(gateway, case, other["id"], idempotencyKey=key)
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("CONFLICT", ["input", "idempotencyKey"])
    ]
    assert refused["paymentSource"] is None
    assert await attach_calls(gateway, case) == before + (1 if case.native_idempotency else 0)
    stored = await read(gateway, other["id"])
    assert stored is not None
    assert stored["paymentSources"] == []


@by_provider
async def test_a_failed_read_back_answers_the_source_with_a_warning(
    gateway: Gateway, case: ProviderCase
) -> None:
    created = await create(gateway, case)
    await gateway.reset_stats()
    key = f"attach-read-back-{case.slug}"
    await gateway.set_faults(case.slug, error_rate=1.0, routes=[case.read_route])
    committed = await attach(gateway, case, created["id"], idempotencyKey=key)
    await gateway.clear_faults(case.slug)

    assert committed["userErrors"] == []
    assert committed["customer"] is None
    assert committed["paymentSource"]["id"]
    assert committed["warnings"] == [
        {
            "code": "READ_BACK_FAILED",
            "message": f"The write committed at {case.provider}; reading the record back "
            "failed: read it again before retrying.",
            "provider": case.provider,
        }
    ]
    assert (await gateway.stats())[case.slug]["routes"][case.read_route] >= 1

    stored = await read(gateway, created["id"])
    assert stored is not None
    assert [s["id"] for s in stored["paymentSources"]] == [committed["paymentSource"]["id"]]

    retried = await attach(gateway, case, created["id"], idempotencyKey=key)
    assert retried["userErrors"] == []
    assert retried["warnings"] == []
    assert retried["paymentSource"]["id"] == committed["paymentSource"]["id"]
    assert retried["customer"]["paymentSources"] == [retried["paymentSource"]]
    assert await attach_calls(gateway, case) == (2 if case.native_idempotency else 1)


@by_provider
async def test_an_empty_key_is_refused_before_any_call(
    gateway: Gateway, case: ProviderCase
) -> None:
    created = await create(gateway, case)
    before = await gateway.calls(case.slug)
    refused = await attach(gateway, case, created["id"], idempotencyKey=" ")
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("INVALID", ["input", "idempotencyKey"])
    ]
    assert await gateway.calls(case.slug) == before


@pytest.mark.parametrize("case", CASES, ids=[c.slug for c in CASES])
async def test_other_writes_carry_no_source_and_no_warning(
    gateway: Gateway, case: ProviderCase
) -> None:
    created = await create(gateway, case)
    payload = (await gateway.data(UPDATE, input={"id": created["id"], case.text_field: "x"}))[
        "updateCustomer"
    ]
    assert payload == {
        "customer": {"id": created["id"]},
        "paymentSource": None,
        "warnings": [],
        "userErrors": [],
    }
