"""Clover's own quirks, through the public GraphQL API against its sandbox.

Two APIs over one customer (Platform v3 and Ecommerce v1), three expansions per
call, contacts and metadata as separate parts of the record, gateway-side versions
and idempotency, and the documented rate limits, which the sandbox enforces here
with its defaults (16 requests a second, 5 in flight).

Clover lists oldest first, 1000 at most, and cannot sort: with more than 1000
customers the adapter reads `customerSince` windows (see
`gateway.providers.clover.search`); the last tests page through such a merchant and
hold the order, completeness and cost of every page.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from gateway.errors import MalformedId
from gateway.model import ProviderName
from gateway.providers.clover.search import Position
from sandboxes.clover.app import DEMO_ACCESS_TOKEN, DEMO_MERCHANT_ID
from sandboxes.seed import for_provider, people
from tests.conftest import Gateway, make_settings, open_gateway
from tests.contract.test_customers import (
    ADDRESS_MUTATION,
    CREATE,
    DELETE,
    PAYMENT_MUTATION,
    UPDATE,
    create,
    read,
)
from tests.providers.clover.case import CASE as CLOVER

SANDBOX = "/sandbox/clover"
AUTH = {"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}
CUSTOMERS = f"{SANDBOX}/v3/merchants/{DEMO_MERCHANT_ID}/customers"
V3 = "/v3/merchants/{mId}/customers"
GET_ONE = f"GET {V3}/{{customerId}}"
LIST_ROUTE = f"GET {V3}"
UPDATE_ROUTE = f"POST {V3}/{{customerId}}"
ORDERS_ROUTE = "GET /v1/orders"
FORGET = """
mutation($input: ForgetCustomerInput!) {
  forgetCustomer(input: $input) { outcome userErrors { field code message } }
}"""
LIST = """
query($filter: CustomerFilter, $first: Int, $after: String) {
  customers(filter: $filter, first: $first, after: $after) {
    nodes {
      id providerId email createdAt
      addresses { line1 city region postalCode country }
      paymentSources { brand last4 expMonth expYear isDefault }
      orders(first: 10) { nodes { status total { amount currency } } }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""
IDS = """
query($filter: CustomerFilter, $first: Int, $after: String) {
  customers(filter: $filter, first: $first, after: $after) {
    nodes { id createdAt }
    pageInfo { hasNextPage endCursor }
  }
}"""
BRIEF = "query($id: ID!) { customer(id: $id) { id email givenName } }"
BIG_PEOPLE = 2800
DATED = """
query($filter: CustomerFilter, $first: Int, $after: String) {
  customers(filter: $filter, first: $first, after: $after) {
    nodes { providerId email createdAt }
    pageInfo { hasNextPage endCursor }
  }
}"""
BIG_MERCHANT = for_provider(people(20261122, BIG_PEOPLE), ProviderName.CLOVER)


def attach(customer_id: str, token: str) -> dict[str, Any]:
    return {"customerId": customer_id, "token": token}


async def routes(gw: Gateway) -> dict[str, int]:
    found: dict[str, int] = (await gw.stats())["clover"]["routes"]
    return found


async def seeded(gw: Gateway, first: int, query: str = IDS) -> list[dict[str, Any]]:
    page = await gw.data(query, filter={"providers": ["CLOVER"]}, first=first)
    nodes: list[dict[str, Any]] = page["customers"]["nodes"]
    return nodes


async def test_a_full_read_takes_two_calls_for_five_expansions(uncached_gateway: Gateway) -> None:
    """Emails, phones and metadata in one call, addresses and cards in another."""
    gw = uncached_gateway
    [first] = await seeded(gw, 1)
    await gw.reset_stats()
    customer = await read(gw, first["id"])
    assert customer is not None
    assert customer["addresses"]
    assert customer["email"]
    assert await routes(gw) == {GET_ONE: 2, ORDERS_ROUTE: 1}


async def test_seeded_listing_carries_addresses_cards_and_orders(uncached_gateway: Gateway) -> None:
    gw = uncached_gateway
    await gw.reset_stats()
    nodes = await seeded(gw, 20, LIST)
    by_email = {
        p.email_in(ProviderName.CLOVER): p
        for p in for_provider(people(20261122, 200), ProviderName.CLOVER)
    }
    for node in nodes:
        person = by_email[node["email"]]
        assert [a["line1"] for a in node["addresses"]] == [a.line1 for a in person.addresses]
        assert sorted(c["last4"] for c in node["paymentSources"]) == sorted(
            c.last4 for c in person.cards
        )
        assert len(node["orders"]["nodes"]) == len(person.orders)
        assert {o["status"] for o in node["orders"]["nodes"]} <= {"PAID", "CREATED", "CANCELED"}
    # One list call for the page, one list call over its customerSince range for
    # addresses and cards, and Ecommerce's one orders call per customer.
    assert await routes(gw) == {LIST_ROUTE: 2, ORDERS_ROUTE: 20}


async def test_listing_is_newest_first_across_pages(gateway: Gateway) -> None:
    created = await create(gateway, CLOVER)
    stamps: list[str] = []
    ids: list[str] = []
    after = None
    while True:
        page = (await gateway.data(IDS, filter={"providers": ["CLOVER"]}, first=30, after=after))[
            "customers"
        ]
        stamps += [n["createdAt"] for n in page["nodes"]]
        ids += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    seeded_count = len(for_provider(people(20261122, 200), ProviderName.CLOVER))
    assert len(ids) == len(set(ids)) == seeded_count + 1
    assert ids[0] == created["id"]
    assert stamps == sorted(stamps, reverse=True)


async def test_created_window_filters(gateway: Gateway) -> None:
    clover = for_provider(people(20261122, 200), ProviderName.CLOVER)
    stamps = sorted(p.created_in(ProviderName.CLOVER) for p in clover)
    after, before = stamps[10], stamps[20]
    page = await gateway.data(
        LIST,
        filter={
            "providers": ["CLOVER"],
            "createdAfter": after.isoformat(),
            "createdBefore": before.isoformat(),
        },
        first=50,
    )
    assert len(page["customers"]["nodes"]) == 9


async def test_stale_version_conflicts_and_writes_nothing(gateway: Gateway) -> None:
    created = await create(gateway, CLOVER)
    fresh = (
        await gateway.data(
            UPDATE,
            input={"id": created["id"], "note": "first", "expectedVersion": created["version"]},
        )
    )["updateCustomer"]
    assert fresh["userErrors"] == []
    await gateway.reset_stats()
    stale = (
        await gateway.data(
            UPDATE,
            input={
                "id": created["id"],
                "note": "second",
                "email": "second@example.com",
                "expectedVersion": created["version"],
            },
        )
    )["updateCustomer"]
    assert [(e["code"], e["field"]) for e in stale["userErrors"]] == [
        ("CONFLICT", ["input", "expectedVersion"])
    ]
    gone = (
        await gateway.data(
            DELETE, input={"id": created["id"], "expectedVersion": created["version"]}
        )
    )["deleteCustomer"]
    assert gone["userErrors"][0]["code"] == "CONFLICT"
    assert await routes(gateway) == {GET_ONE: 2}, "only the reads that compared versions"
    stored = await read(gateway, created["id"])
    assert stored is not None
    assert (stored["note"], stored["email"]) == ("first", CLOVER.new_customer["email"])
    assert stored["version"] == fresh["customer"]["version"]


async def test_addresses_and_cards_do_not_move_the_version(gateway: Gateway) -> None:
    """They are sub-resources with ids of their own; the version covers the record."""
    created = await create(gateway, CLOVER)
    attached = await gateway.data(
        PAYMENT_MUTATION.format(input="AttachPaymentSourceInput", name="attachPaymentSource"),
        input=attach(created["id"], "clv_1TSTversion001"),
    )
    assert attached["attachPaymentSource"]["userErrors"] == []
    payload = (
        await gateway.data(
            UPDATE, input={"id": created["id"], "note": "x", "expectedVersion": created["version"]}
        )
    )["updateCustomer"]
    assert payload["userErrors"] == []


async def test_same_idempotency_key_creates_one_card_on_file_customer(gateway: Gateway) -> None:
    await gateway.reset_stats()
    answers = [
        await create(
            gateway,
            CLOVER,
            idempotencyKey="clover-card-once",
            paymentSourceToken=f"clv_1TSTidempotent{n}",
        )
        for n in range(2)
    ]
    assert answers[0]["id"] == answers[1]["id"]
    assert [s["last4"] for s in answers[1]["paymentSources"]] == [
        s["last4"] for s in answers[0]["paymentSources"]
    ]
    assert len(answers[0]["paymentSources"]) == 1
    found = await routes(gateway)
    assert found["POST /v1/customers"] == 1
    assert f"POST {V3}" not in found


async def test_a_card_token_creates_through_ecommerce(gateway: Gateway) -> None:
    await gateway.reset_stats()
    customer = await create(
        gateway, CLOVER, paymentSourceToken="clv_1TSTecommerce01", address=CLOVER.address
    )
    for name, value in CLOVER.new_customer.items():
        assert customer[name] == value, name
    assert [a["line1"] for a in customer["addresses"]] == [CLOVER.address["line1"]]
    [card] = customer["paymentSources"]
    assert card["last4"]
    assert card["isDefault"] is False
    found = await routes(gateway)
    assert found["POST /v1/customers"] == 1
    assert found[f"POST {V3}/{{customerId}}/addresses"] == 1
    assert f"POST {V3}" not in found

    reused = (
        await gateway.data(
            CREATE,
            input={
                "provider": "CLOVER",
                **CLOVER.new_customer,
                "paymentSourceToken": "clv_1TSTecommerce01",
            },
        )
    )["createCustomer"]
    assert [(e["code"], e["field"]) for e in reused["userErrors"]] == [
        ("REJECTED_BY_PROVIDER", ["input", "paymentSourceToken"])
    ]


async def test_a_card_token_without_email_is_refused_before_any_call(gateway: Gateway) -> None:
    await gateway.reset_stats()
    payload = (
        await gateway.data(
            CREATE,
            input={
                "provider": "CLOVER",
                "givenName": "Ada",
                "paymentSourceToken": "clv_1TSTnoemail1",
            },
        )
    )["createCustomer"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID", ["input", "email"])
    ]
    assert await gateway.calls("clover") == 0


async def test_an_incomplete_address_is_refused_before_any_call(gateway: Gateway) -> None:
    await gateway.reset_stats()
    payload = (
        await gateway.data(
            CREATE,
            input={"provider": "CLOVER", "givenName": "Ada", "address": {"line1": "1 Main St"}},
        )
    )["createCustomer"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID", ["input", "address", name])
        for name in ("city", "region", "postalCode", "country")
    ]
    assert await gateway.calls("clover") == 0


async def test_values_longer_than_clover_stores_are_refused_before_any_write(
    gateway: Gateway,
) -> None:
    created = await create(gateway, CLOVER)
    await gateway.reset_stats()
    payload = (
        await gateway.data(
            UPDATE,
            input={"id": created["id"], "email": "new@example.com", "familyName": "x" * 65},
        )
    )["updateCustomer"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID", ["input", "familyName"])
    ]
    address = {**CLOVER.address, "postalCode": "12345678901"}
    added = (
        await gateway.data(
            ADDRESS_MUTATION.format(input="AddCustomerAddressInput", name="addCustomerAddress"),
            input={"customerId": created["id"], "address": address},
        )
    )["addCustomerAddress"]
    assert [(e["code"], e["field"]) for e in added["userErrors"]] == [
        ("INVALID", ["input", "address", "postalCode"])
    ]
    assert await gateway.calls("clover") == 0


async def test_attach_and_detach_show_in_payment_sources(gateway: Gateway) -> None:
    created = await create(gateway, CLOVER)
    assert created["paymentSources"] == []
    mutation = PAYMENT_MUTATION.format(input="AttachPaymentSourceInput", name="attachPaymentSource")
    attached = (await gateway.data(mutation, input=attach(created["id"], "clv_1TSTattach0001")))[
        "attachPaymentSource"
    ]
    assert attached["userErrors"] == []
    [card] = attached["customer"]["paymentSources"]
    stored = await read(gateway, created["id"])
    assert stored is not None
    [listed] = stored["paymentSources"]
    assert listed["id"] == card["id"]
    assert listed["brand"] in {"VISA", "MASTERCARD", "AMERICAN_EXPRESS", "DISCOVER"}
    assert 1 <= listed["expMonth"] <= 12
    assert listed["expYear"] >= 2028

    again = (await gateway.data(mutation, input=attach(created["id"], "clv_1TSTattach0001")))[
        "attachPaymentSource"
    ]
    assert [(e["code"], e["field"]) for e in again["userErrors"]] == [
        ("REJECTED_BY_PROVIDER", ["input", "token"])
    ]

    detach = PAYMENT_MUTATION.format(input="DetachPaymentSourceInput", name="detachPaymentSource")
    detached = (
        await gateway.data(
            detach, input={"customerId": created["id"], "paymentSourceId": card["id"]}
        )
    )["detachPaymentSource"]
    assert detached["userErrors"] == []
    assert detached["customer"]["paymentSources"] == []
    stored = await read(gateway, created["id"])
    assert stored is not None
    assert stored["paymentSources"] == []
    twice = (
        await gateway.data(
            detach, input={"customerId": created["id"], "paymentSourceId": card["id"]}
        )
    )["detachPaymentSource"]
    assert [(e["code"], e["field"]) for e in twice["userErrors"]] == [
        ("NOT_FOUND", ["input", "paymentSourceId"])
    ]


async def test_clearing_note_keeps_the_rest_of_metadata(gateway: Gateway) -> None:
    created = await create(gateway, CLOVER)
    payload = (await gateway.data(UPDATE, input={"id": created["id"], "note": None}))[
        "updateCustomer"
    ]
    assert payload["userErrors"] == []
    stored = await read(gateway, created["id"])
    assert stored is not None
    assert stored["note"] is None
    assert (stored["companyName"], stored["birthday"]) == ("Analytical Engines", "1815-12-10")
    assert stored["native"]["metadata"]["businessName"] == "Analytical Engines"
    assert "note" not in stored["native"]["metadata"]

    no_year = (await gateway.data(UPDATE, input={"id": created["id"], "birthday": "--02-29"}))[
        "updateCustomer"
    ]
    assert no_year["customer"]["birthday"] == "--02-29"
    assert no_year["customer"]["companyName"] == "Analytical Engines"


async def test_email_and_phone_change_their_sub_resources(gateway: Gateway) -> None:
    created = await create(gateway, CLOVER)
    await gateway.reset_stats()
    payload = (
        await gateway.data(
            UPDATE, input={"id": created["id"], "email": "augusta@example.com", "phone": None}
        )
    )["updateCustomer"]
    assert payload["userErrors"] == []
    assert (payload["customer"]["email"], payload["customer"]["phone"]) == (
        "augusta@example.com",
        None,
    )
    assert payload["customer"]["givenName"] == "Ada"
    found = await routes(gateway)
    assert found[f"POST {V3}/{{customerId}}/email_addresses/{{itemId}}"] == 1
    assert found[f"DELETE {V3}/{{customerId}}/phone_numbers/{{itemId}}"] == 1
    [email] = payload["customer"]["native"]["emailAddresses"]["elements"]
    assert (email["emailAddress"], email["primaryEmail"]) == ("augusta@example.com", True)

    added = (await gateway.data(UPDATE, input={"id": created["id"], "phone": "+44 20 7946 0001"}))[
        "updateCustomer"
    ]
    assert added["customer"]["phone"] == "+44 20 7946 0001"


async def test_forget_erases_the_person_before_the_soft_delete(gateway: Gateway) -> None:
    created = await create(gateway, CLOVER, paymentSourceToken="clv_1TSTforget0001")
    payload = (await gateway.data(FORGET, input={"id": created["id"]}))["forgetCustomer"]
    assert payload == {"outcome": "DELETED", "userErrors": []}
    assert await read(gateway, created["id"]) is None
    response = await gateway.client.get(
        CUSTOMERS,
        params=[
            ("filter", "deletedTime>0"),
            ("filter", f"id={created['providerId']}"),
            ("expand", "emailAddresses,phoneNumbers,metadata"),
        ],
        headers=AUTH,
    )
    [row] = response.json()["elements"]
    assert not {"firstName", "lastName", "metadata"} & set(row)
    assert row["emailAddresses"] == {"elements": []}
    assert row["phoneNumbers"] == {"elements": []}
    extras = await gateway.client.get(
        CUSTOMERS,
        params=[
            ("filter", "deletedTime>0"),
            ("filter", f"id={created['providerId']}"),
            ("expand", "addresses,cards"),
        ],
        headers=AUTH,
    )
    [row] = extras.json()["elements"]
    assert (row["addresses"], row["cards"]) == ({"elements": []}, {"elements": []})


async def test_a_burst_of_40_reads_meets_no_429(uncached_gateway: Gateway) -> None:
    """Default sandbox limits: the adapter paces itself and never bounces off a 429."""
    gw = uncached_gateway
    targets = [n["id"] for n in await seeded(gw, 40)]
    await gw.reset_stats()
    bodies = await asyncio.gather(*(gw.gql(BRIEF, id=i) for i in targets))
    assert [b.get("errors") for b in bodies] == [None] * 40
    assert [b["data"]["customer"]["id"] for b in bodies] == targets
    # Exactly one call per read: a 429 would have been answered and retried, and counted.
    assert await routes(gw) == {GET_ONE: 40}


@pytest.fixture
async def big() -> AsyncIterator[Gateway]:
    """A Clover merchant with more customers than one list call can answer."""
    settings = make_settings(sandbox={"people": BIG_PEOPLE}, cache={"enabled": False})
    async for gw in open_gateway(settings):
        yield gw


def stamp(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def page_through(
    gw: Gateway, first: int, **filter_: Any
) -> tuple[list[dict[str, Any]], list[int]]:
    """Every node, and the list calls each page cost."""
    nodes: list[dict[str, Any]] = []
    costs: list[int] = []
    after = None
    while True:
        await gw.reset_stats()
        body = await gw.data(
            DATED, filter={"providers": ["CLOVER"], **filter_}, first=first, after=after
        )
        costs.append((await gw.stats())["clover"]["routes"].get(LIST_ROUTE, 0))
        page = body["customers"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, costs
        after = page["pageInfo"]["endCursor"]


async def test_more_than_1000_customers_page_newest_first_in_few_calls(big: Gateway) -> None:
    assert len(BIG_MERCHANT) > 1000
    nodes, costs = await page_through(big, 100)
    expected = sorted((p.created_in(ProviderName.CLOVER) for p in BIG_MERCHANT), reverse=True)
    assert [stamp(n["createdAt"]) for n in nodes] == expected
    assert len({n["providerId"] for n in nodes}) == len(BIG_MERCHANT)
    # The first page learns the density (a probe and a few windows); the next ones
    # read one window each, and the tail one more probe.
    assert costs[0] <= 6
    assert sum(costs) <= 2 * len(costs) + 6


async def test_a_filter_clover_cannot_apply_still_finds_the_oldest(big: Gateway) -> None:
    oldest = min(BIG_MERCHANT, key=lambda p: p.created_in(ProviderName.CLOVER))
    email = oldest.email_in(ProviderName.CLOVER).upper()
    nodes, _ = await page_through(big, 20, email=email)
    assert [n["email"] for n in nodes] == [email.lower()]


@pytest.mark.parametrize(
    "position",
    [Position(), Position(1718153645000, "ABCD1234EFGH5", 60_000), Position(5, None, None)],
)
def test_positions_round_trip(position: Position) -> None:
    assert Position.decode(position.encode()) == position


@pytest.mark.parametrize("cursor", ["not base64!", "WzEsMiwzXQ==", "WyJhIiwgbnVsbCwgbnVsbF0="])
def test_a_foreign_cursor_is_malformed(cursor: str) -> None:
    with pytest.raises(MalformedId):
        Position.decode(cursor)
