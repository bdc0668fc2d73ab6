"""A provider's missing part is data (`missingProviders`) and an error at a null path.

Each partial answer's owner (a `customers` connection, the `viewer`, a customer's
`sameAs`) lists the providers it misses and answers `complete: null`, with one error
per failed provider at that `complete`; without `complete` selected the error has no
path. A customer's nested field failing inside a listing costs the listing only that
provider's part, never the page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.model import ProviderName
from tests.auth.test_shoppers import SIGNING_KEY, Shopper, everywhere, token_for
from tests.conftest import Gateway, make_settings, open_gateway
from tests.graph.seeded import enabled_providers, records

DOWN = {"error_rate": 1.0, "error_status": 503}
UNAVAILABLE = "PROVIDER_UNAVAILABLE"


def located(body: dict[str, Any]) -> list[tuple[list[str | int] | None, dict[str, Any]]]:
    return [(e.get("path"), e["extensions"]) for e in body.get("errors", [])]


async def down_and_healthy(gw: Gateway) -> tuple[ProviderName, list[ProviderName]]:
    enabled = await enabled_providers(gw)
    assert len(enabled) > 1, "a partial answer needs two providers"
    return enabled[0], enabled[1:]


async def test_a_down_provider_is_missing_and_its_error_sits_at_complete(
    gateway: Gateway,
) -> None:
    down, healthy = await down_and_healthy(gateway)
    await gateway.set_faults(down.value, **DOWN)
    body = await gateway.gql(
        """{ customers(first: 30) {
              nodes { provider }
              missingProviders { provider code message retryAfter }
              complete
        } }"""
    )
    connection = body["data"]["customers"]
    assert {n["provider"] for n in connection["nodes"]} == {p.name for p in healthy}
    assert len(connection["nodes"]) == min(30, len(records(healthy)))
    [failure] = connection["missingProviders"]
    assert failure == {
        "provider": down.name,
        "code": UNAVAILABLE,
        "message": body["errors"][0]["message"],
        "retryAfter": None,
    }
    assert connection["complete"] is None
    assert located(body) == [
        (["customers", "complete"], {"code": UNAVAILABLE, "provider": down.name})
    ]


async def test_without_complete_selected_the_error_has_no_path(gateway: Gateway) -> None:
    down, _ = await down_and_healthy(gateway)
    await gateway.set_faults(down.value, **DOWN)
    body = await gateway.gql(
        "{ customers(first: 5) { nodes { id } missingProviders { provider } } }"
    )
    assert body["data"]["customers"]["missingProviders"] == [{"provider": down.name}]
    assert located(body) == [(None, {"code": UNAVAILABLE, "provider": down.name})]


async def test_a_full_answer_is_complete_with_nothing_missing(gateway: Gateway) -> None:
    data = await gateway.data("{ customers(first: 5) { missingProviders { provider } complete } }")
    assert data["customers"] == {"missingProviders": [], "complete": True}


async def test_one_error_per_provider_while_every_owner_lists_it(gateway: Gateway) -> None:
    down, _ = await down_and_healthy(gateway)
    await gateway.set_faults(down.value, **DOWN)
    body = await gateway.gql(
        """query($only: [Provider!]) {
             a: customers(first: 2, filter: { providers: $only }) { complete }
             b: customers(first: 2) { nodes { id } missingProviders { provider } done: complete }
        }""",
        only=[down.name],
    )
    assert body["data"]["a"] == {"complete": None}
    assert body["data"]["b"]["missingProviders"] == [{"provider": down.name}]
    assert body["data"]["b"]["done"] is None
    assert located(body) == [(["a", "complete"], {"code": UNAVAILABLE, "provider": down.name})]


async def test_same_as_matches_missing_from_a_down_provider(gateway: Gateway) -> None:
    down, healthy = await down_and_healthy(gateway)
    await gateway.set_faults(down.value, **DOWN)
    body = await gateway.gql(
        """query($healthy: [Provider!]) {
             customers(first: 3, filter: { providers: $healthy }) {
               complete
               nodes { sameAs { provider } missingProviders { provider code } complete }
             }
        }""",
        healthy=[p.name for p in healthy],
    )
    connection = body["data"]["customers"]
    assert connection["complete"] is True
    for node in connection["nodes"]:
        assert node["missingProviders"] == [{"provider": down.name, "code": UNAVAILABLE}]
        assert node["complete"] is None
        assert all(s["provider"] != down.name for s in node["sameAs"])
    assert located(body) == [
        (["customers", "nodes", 0, "complete"], {"code": UNAVAILABLE, "provider": down.name})
    ]


@pytest.fixture
async def shopper_gateway() -> AsyncIterator[Gateway]:
    settings = make_settings(auth={"signing_key": SIGNING_KEY}, cache={"enabled": False})
    async for gw in open_gateway(settings):
        yield gw


async def test_the_viewer_says_which_provider_is_missing(shopper_gateway: Gateway) -> None:
    person = everywhere()
    down = ProviderName.CLOVER
    await shopper_gateway.set_faults(down.value, **DOWN)
    body = await Shopper(shopper_gateway, token_for(person)).gql(
        "{ viewer { customers { provider } missingProviders { provider code } complete } }"
    )
    viewer = body["data"]["viewer"]
    assert {c["provider"] for c in viewer["customers"]} == {
        p.name for p in person.providers if p is not down
    }
    assert viewer["missingProviders"] == [{"provider": down.name, "code": UNAVAILABLE}]
    assert viewer["complete"] is None
    assert located(body) == [(["viewer", "complete"], {"code": UNAVAILABLE, "provider": down.name})]


CARDS_DOWN = {"routes": ["GET /v2/cards"], "error_rate": 1.0, "error_status": 503}


async def test_a_nested_failure_in_a_listing_keeps_every_providers_customers(
    uncached_gateway: Gateway,
) -> None:
    gw = uncached_gateway
    enabled = await enabled_providers(gw)
    assert ProviderName.SQUARE in enabled
    await gw.set_faults(ProviderName.SQUARE.value, **CARDS_DOWN)
    body = await gw.gql(
        """fragment Why on ProviderFailure { code }
        { customers(first: 40) {
            nodes { provider paymentSources { id } defaultPaymentSource { id } }
            missingProviders {
              ... on ProviderFailure { who: provider } ...Why __typename message @skip(if: true)
            }
            complete
        } }"""
    )
    connection = body["data"]["customers"]
    assert {n["provider"] for n in connection["nodes"]} == {p.name for p in enabled}
    for node in connection["nodes"]:
        if node["provider"] == ProviderName.SQUARE.name:
            assert node["paymentSources"] == []
            assert node["defaultPaymentSource"] is None
    assert connection["missingProviders"] == [
        {"who": ProviderName.SQUARE.name, "code": UNAVAILABLE, "__typename": "ProviderFailure"}
    ]
    assert connection["complete"] is None
    assert located(body) == [
        (["customers", "complete"], {"code": UNAVAILABLE, "provider": ProviderName.SQUARE.name})
    ]


async def test_a_nested_failure_at_the_root_nulls_only_that_customer(
    uncached_gateway: Gateway,
) -> None:
    gw = uncached_gateway
    listed = await gw.data(
        "{ customers(first: 1, filter: { providers: [SQUARE] }) { nodes { id } } }"
    )
    [customer] = listed["customers"]["nodes"]
    await gw.set_faults(ProviderName.SQUARE.value, **CARDS_DOWN)
    body = await gw.gql(
        "query($id: ID!) { customer(id: $id) { id paymentSources { id } } }", id=customer["id"]
    )
    assert body["data"] == {"customer": None}
    assert located(body) == [
        (["customer", "paymentSources"], {"code": UNAVAILABLE, "provider": "SQUARE"})
    ]
