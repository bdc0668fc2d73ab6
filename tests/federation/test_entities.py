"""`_entities` goes through the per-request loaders: many representations, few calls.

A router sends every representation of one fetch in a single `_entities` request.
The cost of that request is compared with the same representations sent one per
request (each then has its own loaders, and the cache is off), counted with the
sandbox counters: batched, each provider is asked once for all of its customers,
in whatever batch form its API has.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from gateway import ids
from gateway.model import CustomerRef, ProviderName
from tests.federation.conftest import Gateway, slug

CUSTOMERS = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Customer { id provider email }
  }
}
"""

ORDERS_OF_CUSTOMERS = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Customer { provider orders(first: 3) { nodes { id status } } }
  }
}
"""

ORDERS = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Order { id provider status }
  }
}
"""


CLOVER_WINDOW_S = 1.1
"""Clover's 16-per-second window, plus the adapter's margin for the time to arrive."""


def cost(ours: Gateway, fetch: Callable[[], Any]) -> tuple[Any, dict[str, int]]:
    """The answer and the upstream calls it cost, starting with Clover's window empty.

    Otherwise the calls of the phase before could share one second with this one's,
    and a 429 answered to a start the adapter paced a little early adds a retried call
    that batching did not cause.
    """
    time.sleep(CLOVER_WINDOW_S)
    ours.reset_stats()
    answer = fetch()
    return answer, ours.calls()


def assert_batched(separate: dict[str, int], batched: dict[str, int], providers: set[str]) -> None:
    """Each provider is asked, never more often than one by one, and some batch for real."""
    for provider in providers:
        assert 1 <= batched[provider] <= separate[provider], (provider, batched, separate)
    assert sum(batched.values()) < sum(separate.values()), (batched, separate)


def test_fifty_customer_representations_cost_batched_upstream_calls(
    ours: Gateway, members: list[dict[str, Any]]
) -> None:
    representations = [{"__typename": "Customer", "id": m["id"]} for m in members]

    one_by_one, separate = cost(
        ours,
        lambda: [
            ours.data(CUSTOMERS, representations=[r])["_entities"][0] for r in representations
        ],
    )
    together, batched = cost(
        ours, lambda: ours.data(CUSTOMERS, representations=representations)["_entities"]
    )

    assert len(representations) == 50
    assert together == one_by_one == members
    assert_batched(separate, batched, {slug(m["provider"]) for m in members})
    assert sum(separate.values()) >= 50, "each separate request must reach a provider"
    assert sum(batched.values()) < 50, batched


def test_order_representations_cost_batched_upstream_calls(
    ours: Gateway, members: list[dict[str, Any]]
) -> None:
    customers = [{"__typename": "Customer", "id": m["id"]} for m in members]
    orders = [
        {**order, "provider": customer["provider"]}
        for customer in ours.data(ORDERS_OF_CUSTOMERS, representations=customers)["_entities"]
        for order in customer["orders"]["nodes"]
    ][:30]
    assert len(orders) >= 10, "the sandboxes hold too few orders for this test"
    representations = [{"__typename": "Order", "id": o["id"]} for o in orders]

    one_by_one, separate = cost(
        ours,
        lambda: [ours.data(ORDERS, representations=[r])["_entities"][0] for r in representations],
    )
    together, batched = cost(
        ours, lambda: ours.data(ORDERS, representations=representations)["_entities"]
    )

    assert together == one_by_one == orders
    assert_batched(separate, batched, {slug(o["provider"]) for o in orders})


def test_an_unknown_or_malformed_representation_fails_alone(
    ours: Gateway, members: list[dict[str, Any]], providers: list[str]
) -> None:
    known = members[0]
    unknown = ids.customer_id(CustomerRef(ProviderName[providers[0]], "no-such-customer"))
    representations = [
        {"__typename": "Customer", "id": known["id"]},
        {"__typename": "Customer", "id": unknown},
        {"__typename": "Customer", "id": "not-a-gateway-id"},
    ]

    body = ours.gql(CUSTOMERS, representations=representations)

    assert body["data"]["_entities"] == [known, None, None]
    assert [e["path"] for e in body["errors"]] == [["_entities", 2]]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
