"""sameAs' contact indexes are shared by requests while the read cache keeps the listing.

Upstream calls are counted by the sandboxes, index lookups by the cache's own metrics
(`gateway_cache_*_total{kind="search"}`): a shared index answers a request's whole
listing with one hit, where re-reading the cached pages costs one hit per page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import pytest

from gateway.model import ProviderName
from sandboxes.seed import people
from tests.auth.test_shoppers import SIGNING_KEY, VIEWER, Shopper, token_for
from tests.cache.conftest import seeded_id, total_calls
from tests.cache.test_reads import metrics
from tests.conftest import Gateway, make_settings, open_gateway

SAME_AS = "query($id: ID!) { customer(id: $id) { id email phone sameAs { id email } } }"
UPDATE = """mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id email phone } userErrors { code field } } }"""
BY_EMAIL = """query($e: String!, $p: Provider!) {
  customers(first: 5, filter: {email: $e, providers: [$p]}) { nodes { id } } }"""
LISTING = {
    ProviderName.SQUARE: "POST /v2/customers/search",
    ProviderName.CLOVER: "GET /v3/merchants/{mId}/customers",
    ProviderName.ELASTIC_PATH: "GET /v2/customers",
    ProviderName.DIGITAL_RIVER: "GET /customers",
}
"""Each provider's listing route: what the contact index is built from."""
PEOPLE = 400
"""Enough for more than one index page (100 customers) in every provider."""


async def same_as(gw: Gateway, customer_id: str) -> dict[str, Any]:
    customer: dict[str, Any] = (await gw.data(SAME_AS, id=customer_id))["customer"]
    return customer


def search_counts(counts: dict[tuple[str, str, str], int]) -> dict[str, tuple[int, int]]:
    """Per provider slug: (hits, misses) of the search kind."""
    return {
        p.value: (
            counts[("gateway_cache_hits_total", p.value, "search")],
            counts[("gateway_cache_misses_total", p.value, "search")],
        )
        for p in ProviderName
    }


async def update(gw: Gateway, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await gw.data(UPDATE, input=fields))["updateCustomer"]
    assert payload["userErrors"] == []
    return payload


@pytest.fixture
async def many() -> AsyncIterator[Gateway]:
    async with aclosing(open_gateway(make_settings(sandbox={"people": PEOPLE}))) as gateways:
        yield await anext(gateways)


async def test_a_warm_same_as_reads_no_listing_page_again(many: Gateway) -> None:
    gw = many
    customer_id = await seeded_id(gw, ProviderName.SQUARE.name)
    await gw.reset_stats()
    first = await same_as(gw, customer_id)
    stats = await gw.stats()
    for provider, route in LISTING.items():
        assert stats[provider.value]["routes"][route] >= 2, "the index spans several pages"
    before = search_counts(await metrics(gw))

    await gw.reset_stats()
    assert await same_as(gw, customer_id) == first
    assert total_calls(await gw.stats()) == 0
    after = search_counts(await metrics(gw))
    for slug, (hits, misses) in after.items():
        assert (hits - before[slug][0], misses - before[slug][1]) == (1, 0), slug


async def test_a_write_shows_in_the_next_same_as_and_rebuilds_only_its_provider(
    gateway: Gateway,
) -> None:
    gw = gateway
    square = await same_as(gw, await seeded_id(gw, ProviderName.SQUARE.name))
    other = await same_as(gw, await seeded_id(gw, ProviderName.DIGITAL_RIVER.name))
    assert other["email"].lower() != square["email"].lower(), "two different people"
    assert other["id"] not in {m["id"] for m in square["sameAs"]}
    await gw.reset_stats()
    assert await same_as(gw, square["id"]) == square
    assert total_calls(await gw.stats()) == 0, "warm: the indexes are shared"

    await update(gw, id=other["id"], email=square["email"])
    await gw.reset_stats()
    after = await same_as(gw, square["id"])
    assert other["id"] in {m["id"] for m in after["sameAs"]}
    stats = await gw.stats()
    called = {p for p, route in LISTING.items() if stats[p.value]["routes"].get(route)}
    assert called == {ProviderName.DIGITAL_RIVER}, "the other providers' indexes still serve"
    assert total_calls(stats) == stats[ProviderName.DIGITAL_RIVER.value]["total"]

    await gw.reset_stats()
    assert await same_as(gw, square["id"]) == after
    assert total_calls(await gw.stats()) == 0


async def test_a_shared_index_still_shows_a_shopper_only_their_own_records() -> None:
    settings = make_settings(auth={"signing_key": SIGNING_KEY})
    population = people(settings.sandbox.seed, settings.sandbox.people)
    shopper = next(p for p in population if len(p.providers) == len(ProviderName))
    victim = next(p for p in population if ProviderName.SQUARE in p.providers and p != shopper)
    async with aclosing(open_gateway(settings)) as gateways:
        gw = await anext(gateways)
        [victims] = (await gw.data(BY_EMAIL, e=victim.email, p="SQUARE"))["customers"]["nodes"]
        await update(gw, id=victims["id"], phone=shopper.phone_in(ProviderName.SQUARE))
        [own] = (await gw.data(BY_EMAIL, e=shopper.email, p="CLOVER"))["customers"]["nodes"]
        matched = {m["id"] for m in (await same_as(gw, own["id"]))["sameAs"]}
        assert victims["id"] in matched, "the back office sees the phone match"

        body = await Shopper(gw, token_for(shopper)).gql(VIEWER)
        assert "errors" not in body, body
        customers = body["data"]["viewer"]["customers"]
        seen = {m["id"] for c in customers for m in c["sameAs"]}
        assert victims["id"] not in seen
        assert all(
            m["email"].lower() == shopper.email.lower() for c in customers for m in c["sameAs"]
        )
