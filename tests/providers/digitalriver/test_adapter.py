"""Digital River's own quirks, through the public GraphQL API against its sandbox.

Caller-chosen ids of at most 40 characters, a default source that moves and clears,
`enabled`, a request to be forgotten that is recorded once, metadata limits, and the
one shipping object that carries name, phone, company and address.
"""

from __future__ import annotations

from typing import Any

from gateway import ids
from gateway.model import CustomerRef, ProviderName
from sandboxes.digitalriver.app import DEMO_PUBLIC_KEY, DEMO_SECRET_KEY, TEST_SOURCE_IDS
from tests.conftest import Gateway
from tests.contract.test_customers import (
    ADDRESS_MUTATION,
    CREATE,
    PAYMENT_MUTATION,
    READ,
    UPDATE,
    create,
    read,
)
from tests.providers.digitalriver.case import CASE as DIGITAL_RIVER

SANDBOX = "/sandbox/digitalriver"
FORGET = """
mutation($input: ForgetCustomerInput!) {
  forgetCustomer(input: $input) { outcome userErrors { field code message } }
}"""
LIST = """
query($filter: CustomerFilter, $first: Int) {
  customers(filter: $filter, first: $first) {
    nodes {
      id providerId displayName createdAt
      addresses { id label line1 city country }
      paymentSources { id brand last4 isDefault }
      defaultPaymentSource { id }
      orders(first: 10) { nodes { providerId status total { amount currency } } }
    }
  }
}"""


async def create_errors(gw: Gateway, **fields: Any) -> list[tuple[str, list[str]]]:
    payload = (await gw.data(CREATE, input={"provider": "DIGITAL_RIVER", **fields}))[
        "createCustomer"
    ]
    assert payload["customer"] is None
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


async def payment(gw: Gateway, name: str, **fields: Any) -> dict[str, Any]:
    input_type = name[0].upper() + name[1:] + "Input"
    result: dict[str, Any] = (
        await gw.data(PAYMENT_MUTATION.format(input=input_type, name=name), input=fields)
    )[name]
    return result


async def routes(gw: Gateway) -> dict[str, int]:
    counted: dict[str, int] = (await gw.stats())["digitalriver"]["routes"]
    return counted


async def sandbox_post(gw: Gateway, path: str, body: dict[str, Any], key: str) -> Any:
    response = await gw.client.post(
        f"{SANDBOX}{path}", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_caller_chosen_id_of_40_characters_is_kept_and_41_is_refused_unsent(
    uncached_gateway: Gateway,
) -> None:
    gw = uncached_gateway
    chosen = "c" * 39 + "9"
    created = await create(gw, DIGITAL_RIVER, providerId=chosen)
    assert created["providerId"] == chosen
    again = await read(gw, created["id"])
    assert again is not None
    assert again["providerId"] == chosen

    await gw.reset_stats()
    assert await create_errors(gw, providerId="c" * 41, email="long@example.com") == [
        ("INVALID", ["input", "providerId"])
    ]
    assert await gw.calls("digitalriver") == 0


async def test_an_id_with_a_comma_is_read_on_its_own(uncached_gateway: Gateway) -> None:
    created = await create(uncached_gateway, DIGITAL_RIVER, providerId="eu,1001")
    await uncached_gateway.reset_stats()
    again = await read(uncached_gateway, created["id"])
    assert again is not None
    assert again["providerId"] == "eu,1001"
    assert (await routes(uncached_gateway))["GET /customers/{customer_id}"] == 1


async def test_reused_id_is_duplicate_and_changes_nothing(gateway: Gateway) -> None:
    first = await create(gateway, DIGITAL_RIVER, providerId="crm-1001")
    assert await create_errors(
        gateway, providerId="crm-1001", email="someone.else@example.com"
    ) == [("DUPLICATE", ["input", "providerId"])]
    stored = await read(gateway, first["id"])
    assert stored is not None
    assert stored["email"] == DIGITAL_RIVER.new_customer["email"]


async def test_duplicate_emails_are_allowed(gateway: Gateway) -> None:
    first = await create(gateway, DIGITAL_RIVER)
    second = await create(gateway, DIGITAL_RIVER)
    assert first["providerId"] != second["providerId"]
    assert first["email"] == second["email"]


async def test_retried_create_with_its_key_and_id_is_never_a_duplicate(gateway: Gateway) -> None:
    fields = {"providerId": "crm-2002", "email": "retry@example.com", "idempotencyKey": "k-1"}
    first = await create(gateway, DIGITAL_RIVER, **fields)
    second = await create(gateway, DIGITAL_RIVER, **fields)
    assert second["id"] == first["id"]
    assert (await routes(gateway))["POST /customers"] == 1


async def test_retry_after_a_lost_answer_adopts_the_record_it_made(gateway: Gateway) -> None:
    """The first attempt reached Digital River but its answer was lost: the key is unrecorded."""
    input_fields = {"providerId": "crm-3003", "email": "lost@example.com", "displayName": "Lost"}
    stored = {"id": "crm-3003", "email": "lost@example.com", "shipping": {"name": "Lost"}}
    await sandbox_post(gateway, "/customers", stored, DEMO_SECRET_KEY)

    adopted = (
        await gateway.data(
            CREATE,
            input={"provider": "DIGITAL_RIVER", "idempotencyKey": "k-lost", **input_fields},
        )
    )["createCustomer"]
    assert adopted["userErrors"] == []
    assert adopted["customer"]["providerId"] == "crm-3003"

    assert await create_errors(gateway, **input_fields) == [("DUPLICATE", ["input", "providerId"])]
    other = {**input_fields, "email": "not.the.same@example.com"}
    assert await create_errors(gateway, idempotencyKey="k-other", **other) == [
        ("DUPLICATE", ["input", "providerId"])
    ]


async def test_first_source_is_default_which_moves_and_clears(gateway: Gateway) -> None:
    created = await create(gateway, DIGITAL_RIVER)
    first, second = TEST_SOURCE_IDS[:2]
    await payment(gateway, "attachPaymentSource", customerId=created["id"], token=first)
    attached = await payment(gateway, "attachPaymentSource", customerId=created["id"], token=second)
    assert attached["userErrors"] == []
    sources = {s["id"]: s["isDefault"] for s in attached["customer"]["paymentSources"]}
    assert sources == {first: True, second: False}
    assert attached["customer"]["defaultPaymentSource"] == {"id": first}

    moved = await payment(
        gateway, "setDefaultPaymentSource", customerId=created["id"], paymentSourceId=second
    )
    assert moved["userErrors"] == []
    assert moved["customer"]["defaultPaymentSource"] == {"id": second}
    assert {s["id"]: s["isDefault"] for s in moved["customer"]["paymentSources"]} == {
        first: False,
        second: True,
    }

    detached = await payment(
        gateway, "detachPaymentSource", customerId=created["id"], paymentSourceId=second
    )
    assert detached["userErrors"] == []
    assert detached["customer"]["defaultPaymentSource"] is None
    assert detached["customer"]["paymentSources"] == [
        {"id": first, "last4": "1111", "brand": "Visa", "isDefault": False}
    ]

    again = await payment(gateway, "attachPaymentSource", customerId=created["id"], token=second)
    assert [(e["code"], e["field"]) for e in again["userErrors"]] == [
        ("REJECTED_BY_PROVIDER", ["input", "token"])
    ]


async def test_attach_can_make_the_new_source_default(gateway: Gateway) -> None:
    created = await create(gateway, DIGITAL_RIVER)
    first, second = TEST_SOURCE_IDS[:2]
    await payment(gateway, "attachPaymentSource", customerId=created["id"], token=first)
    attached = await payment(
        gateway, "attachPaymentSource", customerId=created["id"], token=second, makeDefault=True
    )
    assert attached["userErrors"] == []
    assert attached["customer"]["defaultPaymentSource"] == {"id": second}


async def test_unknown_or_foreign_sources_are_refused_by_field(gateway: Gateway) -> None:
    created = await create(gateway, DIGITAL_RIVER)
    unknown = "00000000-0000-4000-8000-000000000000"
    attached = await payment(
        gateway, "attachPaymentSource", customerId=created["id"], token=unknown
    )
    assert [(e["code"], e["field"]) for e in attached["userErrors"]] == [
        ("NOT_FOUND", ["input", "token"])
    ]
    for name in ("setDefaultPaymentSource", "detachPaymentSource"):
        refused = await payment(
            gateway, name, customerId=created["id"], paymentSourceId=TEST_SOURCE_IDS[3]
        )
        assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
            ("NOT_FOUND", ["input", "paymentSourceId"])
        ], name


async def test_a_source_minted_with_the_public_key_can_be_attached(gateway: Gateway) -> None:
    source = await sandbox_post(
        gateway,
        "/sources",
        {
            "type": "creditCard",
            "reusable": True,
            "creditCard": {
                "number": "5555555555554444",
                "expirationMonth": 7,
                "expirationYear": 2031,
                "cvv": "123",
            },
        },
        DEMO_PUBLIC_KEY,
    )
    assert (source["state"], source["creditCard"]["lastFourDigits"]) == ("chargeable", "4444")
    created = await create(gateway, DIGITAL_RIVER)
    attached = await payment(
        gateway, "attachPaymentSource", customerId=created["id"], token=source["id"]
    )
    assert attached["customer"]["paymentSources"] == [
        {"id": source["id"], "last4": "4444", "brand": "MasterCard", "isDefault": True}
    ]
    native = (await gateway.data(READ, id=created["id"]))["customer"]["native"]
    assert "clientSecret" not in str(native)


async def test_create_with_a_token_checks_it_before_creating(
    uncached_gateway: Gateway,
) -> None:
    gw = uncached_gateway
    created = await create(gw, DIGITAL_RIVER, paymentSourceToken=TEST_SOURCE_IDS[2])
    assert [(s["id"], s["isDefault"]) for s in created["paymentSources"]] == [
        (TEST_SOURCE_IDS[2], True)
    ]
    await gw.reset_stats()
    assert await create_errors(
        gw, **DIGITAL_RIVER.new_customer, paymentSourceToken=TEST_SOURCE_IDS[2]
    ) == [("REJECTED_BY_PROVIDER", ["input", "paymentSourceToken"])]
    assert await create_errors(
        gw, **DIGITAL_RIVER.new_customer, paymentSourceToken="no-such-source"
    ) == [("NOT_FOUND", ["input", "paymentSourceToken"])]
    assert "POST /customers" not in await routes(gw)


async def test_enabled_false_round_trips(gateway: Gateway) -> None:
    created = await create(gateway, DIGITAL_RIVER, enabled=False)
    assert created["enabled"] is False
    stored = await read(gateway, created["id"])
    assert stored is not None
    assert (stored["enabled"], stored["native"]["enabled"]) == (False, False)
    enabled = (await gateway.data(UPDATE, input={"id": created["id"], "enabled": True}))[
        "updateCustomer"
    ]
    assert enabled["customer"]["enabled"] is True


async def test_forget_is_recorded_once_and_a_second_forget_changes_nothing(
    uncached_gateway: Gateway,
) -> None:
    gw = uncached_gateway
    created = await create(gw, DIGITAL_RIVER)
    first = (await gw.data(FORGET, input={"id": created["id"]}))["forgetCustomer"]
    assert first == {"outcome": "FORGET_REQUESTED", "userErrors": []}
    flagged = await read(gw, created["id"])
    assert flagged is not None
    assert flagged["native"]["requestToBeForgotten"] is True
    assert flagged["email"] == created["email"]

    second = (await gw.data(FORGET, input={"id": created["id"]}))["forgetCustomer"]
    assert second == {"outcome": "FORGET_REQUESTED", "userErrors": []}
    after = await read(gw, created["id"])
    assert after is not None
    assert after["version"] == flagged["version"]

    unknown = ids.customer_id(CustomerRef(ProviderName.DIGITAL_RIVER, "no-such-customer"))
    missing = (await gw.data(FORGET, input={"id": unknown}))["forgetCustomer"]
    assert missing["outcome"] is None
    assert [(e["code"], e["field"]) for e in missing["userErrors"]] == [
        ("NOT_FOUND", ["input", "id"])
    ]


async def test_metadata_with_21_keys_is_refused_unsent_and_changes_nothing(
    uncached_gateway: Gateway,
) -> None:
    gw = uncached_gateway
    created = await create(gw, DIGITAL_RIVER)
    too_many = {f"key{i}": i for i in range(21)}
    await gw.reset_stats()
    payload = (await gw.data(UPDATE, input={"id": created["id"], "metadata": too_many}))[
        "updateCustomer"
    ]
    assert payload["customer"] is None
    [error] = payload["userErrors"]
    assert (error["code"], error["field"]) == ("INVALID", ["input", "metadata"])
    assert "at most 20 metadata keys" in error["message"]
    assert await create_errors(gw, email="meta@example.com", metadata=too_many) == [
        ("INVALID", ["input", "metadata"])
    ]
    assert await gw.calls("digitalriver") == 0
    stored = await read(gw, created["id"])
    assert stored is not None
    assert stored["metadata"] == DIGITAL_RIVER.new_customer["metadata"]
    twenty = {f"key{i}": i for i in range(20)}
    kept = await gw.data(UPDATE, input={"id": created["id"], "metadata": twenty})
    assert kept["updateCustomer"]["customer"]["metadata"] == twenty


async def test_a_shipping_field_update_keeps_the_rest_of_shipping(gateway: Gateway) -> None:
    created = await create(gateway, DIGITAL_RIVER, address=DIGITAL_RIVER.address)
    payload = (await gateway.data(UPDATE, input={"id": created["id"], "displayName": "Augusta"}))[
        "updateCustomer"
    ]
    assert payload["userErrors"] == []
    stored = await read(gateway, created["id"])
    assert stored is not None
    assert stored["displayName"] == "Augusta"
    assert (stored["phone"], stored["companyName"]) == (created["phone"], created["companyName"])
    [address] = stored["addresses"]
    assert (address["line1"], address["postalCode"]) == ("1 Main St", "62701")


async def test_one_shipping_address_with_a_country(uncached_gateway: Gateway) -> None:
    gw = uncached_gateway
    await gw.reset_stats()
    assert await create_errors(
        gw, email="nocountry@example.com", address={"line1": "1 Main St"}
    ) == [("INVALID", ["input", "address", "country"])]
    assert await gw.calls("digitalriver") == 0

    created = await create(gw, DIGITAL_RIVER, address=DIGITAL_RIVER.address)
    second = (
        await gw.data(
            ADDRESS_MUTATION.format(input="AddCustomerAddressInput", name="addCustomerAddress"),
            input={"customerId": created["id"], "address": DIGITAL_RIVER.address},
        )
    )["addCustomerAddress"]
    assert [(e["code"], e["field"]) for e in second["userErrors"]] == [
        ("INVALID", ["input", "address"])
    ]
    cleared = (
        await gw.data(
            ADDRESS_MUTATION.format(
                input="UpdateCustomerAddressInput", name="updateCustomerAddress"
            ),
            input={
                "customerId": created["id"],
                "addressId": "shipping",
                "address": {"country": None},
            },
        )
    )["updateCustomerAddress"]
    assert [(e["code"], e["field"]) for e in cleared["userErrors"]] == [
        ("INVALID", ["input", "address", "country"])
    ]


async def test_seeded_customers_carry_address_sources_and_orders(
    uncached_gateway: Gateway,
) -> None:
    gw = uncached_gateway
    await gw.reset_stats()
    nodes = (await gw.data(LIST, filter={"providers": ["DIGITAL_RIVER"]}, first=20))["customers"][
        "nodes"
    ]
    assert len(nodes) == 20
    assert all(n["addresses"][0]["label"] == "shipping" for n in nodes)
    assert all(n["orders"]["nodes"] for n in nodes)
    assert all(o["total"]["currency"] == "USD" for n in nodes for o in n["orders"]["nodes"])
    with_cards = [n for n in nodes if n["paymentSources"]]
    assert with_cards
    for node in with_cards:
        [default] = [s for s in node["paymentSources"] if s["isDefault"]]
        assert node["defaultPaymentSource"] == {"id": default["id"]}
        assert node["paymentSources"][0] == default
    assert await routes(gw) == {"GET /customers": 1, "GET /orders": 20}


async def test_customers_by_id_are_read_in_one_batch(uncached_gateway: Gateway) -> None:
    gw = uncached_gateway
    nodes = (await gw.data(LIST, filter={"providers": ["DIGITAL_RIVER"]}, first=3))["customers"][
        "nodes"
    ]
    global_ids = [n["id"] for n in nodes]
    await gw.reset_stats()
    query = (
        "query($a: ID!, $b: ID!, $c: ID!) { "
        + " ".join(
            f"{alias}: customer(id: ${alias}) {{ providerId displayName }}" for alias in "abc"
        )
        + " }"
    )
    data = await gw.data(query, a=global_ids[0], b=global_ids[1], c=global_ids[2])
    assert [data[alias]["providerId"] for alias in "abc"] == [n["providerId"] for n in nodes]
    assert await routes(gw) == {"GET /customers": 1}


async def test_listing_filters_what_digital_river_cannot(gateway: Gateway) -> None:
    created = await create(gateway, DIGITAL_RIVER, displayName="Zebulon Quirk")
    by_name = (
        await gateway.data(
            LIST, filter={"providers": ["DIGITAL_RIVER"], "name": "zebulon"}, first=5
        )
    )["customers"]["nodes"]
    assert [n["id"] for n in by_name] == [created["id"]]
    newer = (
        await gateway.data(
            LIST,
            filter={"providers": ["DIGITAL_RIVER"], "createdAfter": created["createdAt"]},
            first=5,
        )
    )["customers"]["nodes"]
    assert newer == []
    by_reference = (
        await gateway.data(
            LIST, filter={"providers": ["DIGITAL_RIVER"], "referenceId": "p001"}, first=5
        )
    )["customers"]["nodes"]
    assert by_reference == []
