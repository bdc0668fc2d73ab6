"""Square's own quirks, and conformance of the sandbox with Square's official SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from square import AsyncSquare
from square.core.api_error import ApiError

from gateway.app import create_app
from sandboxes.square.app import DEMO_ACCESS_TOKEN
from tests.conftest import Gateway, make_settings
from tests.contract.test_customers import CREATE, PAYMENT_MUTATION, create
from tests.providers.square.case import CASE as SQUARE

NO_RETRIES: Any = {"max_retries": 0}


@pytest.fixture
async def sdk() -> AsyncIterator[AsyncSquare]:
    """Square's official async client, aimed at the sandbox the app mounts."""
    app = create_app(make_settings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        yield AsyncSquare(
            token=DEMO_ACCESS_TOKEN,
            base_url="http://gateway/sandbox/square",
            httpx_client=http,
        )


async def test_official_sdk_customer_lifecycle(sdk: AsyncSquare) -> None:
    created = await sdk.customers.create(
        idempotency_key="sdk-1",
        given_name="Grace",
        family_name="Hopper",
        email_address="grace.sdk@example.com",
        phone_number="+1-202-555-0199",
        address={"address_line_1": "1 Navy Yard", "locality": "Arlington", "country": "US"},
    )
    customer = created.customer
    assert customer is not None
    assert customer.id
    assert customer.version == 0

    fetched = await sdk.customers.get(customer.id)
    assert fetched.customer is not None
    assert fetched.customer.email_address == "grace.sdk@example.com"

    updated = await sdk.customers.update(
        customer.id, nickname="Amazing Grace", version=0, request_options=NO_RETRIES
    )
    assert updated.customer is not None
    assert (updated.customer.nickname, updated.customer.version) == ("Amazing Grace", 1)

    with pytest.raises(ApiError) as stale:
        await sdk.customers.update(customer.id, note="late", version=0, request_options=NO_RETRIES)
    assert stale.value.status_code == 409
    assert stale.value.body["errors"][0]["code"] == "CONFLICT"

    cleared = await sdk.customers.update(customer.id, nickname=None, request_options=NO_RETRIES)
    assert cleared.customer is not None
    assert cleared.customer.nickname is None

    found = await sdk.customers.search(
        query={
            "filter": {"email_address": {"exact": "GRACE.SDK@example.com"}},
            "sort": {"field": "CREATED_AT", "order": "DESC"},
        }
    )
    assert [c.id for c in found.customers or []] == [customer.id]
    nothing = await sdk.customers.search(
        query={"filter": {"email_address": {"exact": "nobody@example.com"}}}
    )
    assert nothing.customers is None

    card = await sdk.cards.create(
        idempotency_key="sdk-card-1",
        source_id="cnon:card-nonce-ok",
        card={"customer_id": customer.id},
    )
    assert card.card is not None
    assert card.card.last4 == "1111"
    cards = [c async for c in await sdk.cards.list(customer_id=customer.id)]
    assert [c.id for c in cards] == [card.card.id]

    await sdk.customers.delete(customer.id, version=2, request_options=NO_RETRIES)
    with pytest.raises(ApiError) as gone:
        await sdk.customers.get(customer.id)
    assert gone.value.status_code == 404


async def test_sandbox_requires_the_bearer_token(gateway: Gateway) -> None:
    response = await gateway.client.get("/sandbox/square/v2/customers")
    assert response.status_code == 401
    assert response.json()["errors"][0]["category"] == "AUTHENTICATION_ERROR"


async def test_bulk_retrieve_takes_at_most_100_ids(gateway: Gateway) -> None:
    response = await gateway.client.post(
        "/sandbox/square/v2/customers/bulk-retrieve",
        json={"customer_ids": [f"ID{i}" for i in range(101)]},
        headers={"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "ARRAY_LENGTH_TOO_LONG"


async def test_second_address_is_refused_square_keeps_one(gateway: Gateway) -> None:
    created = await create(gateway, SQUARE, address=SQUARE.address)
    payload = (
        await gateway.data(
            """mutation($input: AddCustomerAddressInput!) {
              addCustomerAddress(input: $input) { customer { id } userErrors { field code } }
            }""",
            input={"customerId": created["id"], "address": {"line1": "2 Side St"}},
        )
    )["addCustomerAddress"]
    assert payload["userErrors"] == [{"field": ["input", "address"], "code": "INVALID"}]
    assert [a["line1"] for a in created["addresses"]] == [SQUARE.address["line1"]]


async def test_cards_have_no_default_on_square(gateway: Gateway) -> None:
    created = await create(gateway, SQUARE)
    attach = PAYMENT_MUTATION.format(input="AttachPaymentSourceInput", name="attachPaymentSource")
    refused = (
        await gateway.data(
            attach,
            input={"customerId": created["id"], "token": "cnon:card-nonce-ok", "makeDefault": True},
        )
    )["attachPaymentSource"]
    assert refused["userErrors"] == [
        {
            "field": ["input", "makeDefault"],
            "code": "UNSUPPORTED_FIELD",
            "message": "SQUARE does not support `makeDefault`.",
        }
    ]
    attached = (
        await gateway.data(
            attach, input={"customerId": created["id"], "token": "cnon:card-nonce-ok"}
        )
    )["attachPaymentSource"]
    [card] = attached["customer"]["paymentSources"]
    assert card["isDefault"] is False
    assert attached["customer"]["defaultPaymentSource"] is None
    setting = (
        await gateway.data(
            PAYMENT_MUTATION.format(
                input="SetDefaultPaymentSourceInput", name="setDefaultPaymentSource"
            ),
            input={"customerId": created["id"], "paymentSourceId": card["id"]},
        )
    )["setDefaultPaymentSource"]
    assert [e["code"] for e in setting["userErrors"]] == ["UNSUPPORTED_OPERATION"]


async def test_used_single_use_nonce_is_rejected_by_provider(gateway: Gateway) -> None:
    first = await create(gateway, SQUARE, paymentSourceToken="cnon:single-use-1")
    assert len(first["paymentSources"]) == 1
    payload = (
        await gateway.data(
            CREATE,
            input={
                "provider": "SQUARE",
                **SQUARE.new_customer,
                "paymentSourceToken": "cnon:single-use-1",
            },
        )
    )["createCustomer"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "paymentSourceToken"], "REJECTED_BY_PROVIDER")
    ]


async def test_update_without_version_is_last_write_wins(gateway: Gateway) -> None:
    created = await create(gateway, SQUARE)
    for note in ("one", "two"):
        payload = (
            await gateway.data(
                """mutation($input: UpdateCustomerInput!) {
                  updateCustomer(input: $input) { customer { note version } userErrors { code } }
                }""",
                input={"id": created["id"], "note": note},
            )
        )["updateCustomer"]
        assert payload["userErrors"] == []
    assert payload["customer"] == {"note": "two", "version": "2"}
