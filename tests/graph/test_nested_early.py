"""A read by id starts the nested reads the provider makes from the id alone with the
record's read (Square's ListCards and SearchOrders), not after it, for the same calls.

Whether a call started before another ended is read off the sandbox counters, never a
clock: with the record's route hanging until the gateway gives up on it, a card call
counted at all was sent while the record read was still in flight.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import pytest

from gateway import ids
from gateway.model import CustomerRef, ProviderName
from tests.cache.conftest import seeded_id
from tests.conftest import Gateway, make_settings, open_gateway

SQUARE = ProviderName.SQUARE.value
RECORD = "POST /v2/customers/bulk-retrieve"
CARDS = "GET /v2/cards"
NESTED = "id paymentSources { id last4 } orders(first: 3) { nodes { id } }"
LISTED = f"{{ customers(first: 50, filter: {{providers: [SQUARE]}}) {{ nodes {{ {NESTED} }} }} }}"
CUSTOMER = f"query($id: ID!) {{ customer(id: $id) {{ {NESTED} }} }}"
CARDS_BY = {
    "customer": "query($id: ID!) { customer(id: $id) { id paymentSources { id } } }",
    "node": "query($id: ID!) { node(id: $id) { id ... on Customer { paymentSources { id } } } }",
    "entities": """query($id: _Any!) { _entities(representations: [$id]) {
        ... on Customer { id defaultPaymentSource { id } } } }""",
}


@pytest.fixture
async def gw() -> AsyncIterator[Gateway]:
    """No cache (every call is real), no retries and no breaker (each call counts once),
    and a Square timeout short enough for the hanging record read, long enough for a page
    of 50 card reads on a busy machine."""
    square = {"timeout_s": 2.5, "retry": {"attempts": 1}, "breaker": {"enabled": False}}
    settings = make_settings(cache={"enabled": False}, square=square)
    async with aclosing(open_gateway(settings)) as gateways:
        yield await anext(gateways)


def variables(form: str, customer_id: str) -> dict[str, Any]:
    if form == "entities":
        return {"id": {"__typename": "Customer", "id": customer_id}}
    return {"id": customer_id}


async def test_a_read_by_id_answers_what_the_listing_does_with_the_same_calls(
    gw: Gateway,
) -> None:
    nodes = (await gw.data(LISTED))["customers"]["nodes"]
    listed = next(n for n in nodes if n["paymentSources"] and n["orders"]["nodes"])
    await gw.set_faults(SQUARE, latency_ms=300)
    await gw.reset_stats()
    customer = (await gw.data(CUSTOMER, id=listed["id"]))["customer"]
    assert customer == listed
    assert (await gw.stats())[SQUARE]["routes"] == {
        RECORD: 1,
        CARDS: 1,
        "POST /v2/orders/search": 1,
    }, "ListLocations was read once for the listing's orders, and is kept"


@pytest.mark.parametrize("form", list(CARDS_BY))
async def test_the_card_read_starts_before_the_record_read_ends(gw: Gateway, form: str) -> None:
    customer_id = await seeded_id(gw, ProviderName.SQUARE.name)
    await gw.set_faults(SQUARE, routes=[RECORD], hang=True)
    await gw.reset_stats()
    body = await gw.gql(CARDS_BY[form], **variables(form, customer_id))
    assert [e["extensions"]["code"] for e in body["errors"]] == ["PROVIDER_TIMEOUT"]
    assert (await gw.stats())[SQUARE]["routes"] == {RECORD: 1, CARDS: 1}


async def test_a_missing_customer_answers_null_and_drops_what_was_read_ahead(
    gw: Gateway,
) -> None:
    missing = ids.customer_id(CustomerRef(ProviderName.SQUARE, "NOSUCHCUSTOMER0000000000"))
    await gw.reset_stats()
    assert await gw.data(CUSTOMER, id=missing) == {"customer": None}
    routes = (await gw.stats())[SQUARE]["routes"]
    assert routes[RECORD] == 1
    assert routes[CARDS] == 1, "read ahead, then dropped"


async def test_a_malformed_id_reads_nothing_ahead(gw: Gateway) -> None:
    malformed = ids.customer_id(CustomerRef(ProviderName.SQUARE, "not a square id!"))
    await gw.reset_stats()
    body = await gw.gql(CUSTOMER, id=malformed)
    assert body["data"] == {"customer": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert (await gw.stats()).get(SQUARE, {"total": 0})["total"] == 0


async def test_a_failing_field_does_not_cancel_a_read_another_field_shares(gw: Gateway) -> None:
    """`customer`'s orders fail (a malformed `after`) while its payment sources, read
    ahead, are still in flight: graphql-core cancels the failed customer's other fields,
    and `node`, asking for the same customer's payment sources, must still get them
    (it once got the cancellation, and the request a 500)."""
    customer_id = await seeded_id(gw, ProviderName.SQUARE.name)
    alone = await gw.data(
        "query($id: ID!) { node(id: $id) { ... on Customer { paymentSources { id } } } }",
        id=customer_id,
    )
    await gw.set_faults(SQUARE, routes=[CARDS], latency_ms=200)
    body = await gw.gql(
        """query($id: ID!) {
          node(id: $id) { ... on Customer { paymentSources { id } } }
          customer(id: $id) { paymentSources { id } orders(first: 1, after: "") { nodes { id } } }
        }""",
        id=customer_id,
    )
    assert body["data"] == {"node": alone["node"], "customer": None}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["customer", "orders"], "BAD_USER_INPUT")
    ]
