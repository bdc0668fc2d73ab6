"""Newest first out of Clover, which lists oldest first, 1000 at most, and cannot sort.

With more than 1000 Clover customers the adapter has to read `customerSince`
windows (see `gateway.providers.clover.search`); these tests page through such a
merchant and hold the order, completeness and cost of every page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from gateway.errors import MalformedId
from gateway.model import ProviderName
from gateway.providers.clover.search import Position
from sandboxes.seed import for_provider, people
from tests.conftest import Gateway, make_settings, open_gateway

PEOPLE = 2800
LIST = """
query($filter: CustomerFilter, $first: Int, $after: String) {
  customers(filter: $filter, first: $first, after: $after) {
    nodes { providerId email createdAt }
    pageInfo { hasNextPage endCursor }
  }
}"""
LIST_ROUTE = "GET /v3/merchants/{mId}/customers"
CLOVER = for_provider(people(20261122, PEOPLE), ProviderName.CLOVER)


@pytest.fixture
async def big() -> AsyncIterator[Gateway]:
    """A Clover merchant with more customers than one list call can answer."""
    settings = make_settings(sandbox={"people": PEOPLE}, cache={"enabled": False})
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
            LIST, filter={"providers": ["CLOVER"], **filter_}, first=first, after=after
        )
        costs.append((await gw.stats())["clover"]["routes"].get(LIST_ROUTE, 0))
        page = body["customers"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, costs
        after = page["pageInfo"]["endCursor"]


async def test_more_than_1000_customers_page_newest_first_in_few_calls(big: Gateway) -> None:
    assert len(CLOVER) > 1000
    nodes, costs = await page_through(big, 100)
    expected = sorted((p.created_in(ProviderName.CLOVER) for p in CLOVER), reverse=True)
    assert [stamp(n["createdAt"]) for n in nodes] == expected
    assert len({n["providerId"] for n in nodes}) == len(CLOVER)
    # The first page learns the density (a probe and a few windows); the next ones
    # read one window each, and the tail one more probe.
    assert costs[0] <= 6
    assert sum(costs) <= 2 * len(costs) + 6


async def test_a_filter_clover_cannot_apply_still_finds_the_oldest(big: Gateway) -> None:
    oldest = min(CLOVER, key=lambda p: p.created_in(ProviderName.CLOVER))
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
