"""One graph over every enabled provider: merged paging, filters, partial failure, sameAs."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from gateway.contract import RetrySettings
from gateway.model import ProviderName
from tests.conftest import Gateway
from tests.graph.seeded import created, enabled_providers, person_key, population, records

LIST = """
query($first: Int, $after: String, $filter: CustomerFilter) {
  customers(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id provider email createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def page_through(gw: Gateway, first: int, **filter_: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await gw.data(LIST, first=first, after=after, filter=filter_ or None))["customers"]
        nodes += [e["node"] for e in page["edges"]]
        if page["edges"]:
            assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        assert page["edges"], "a page that says more follows is never empty"
        after = page["pageInfo"]["endCursor"]


async def test_paging_returns_every_seeded_customer_once_newest_first(gateway: Gateway) -> None:
    enabled = await enabled_providers(gateway)
    expected = records(enabled)
    nodes = await page_through(gateway, first=17)
    assert len(nodes) == len(expected)
    assert len({n["id"] for n in nodes}) == len(nodes)
    stamps = [n["createdAt"] for n in nodes]
    assert stamps == sorted(stamps, reverse=True)
    by_provider = {p: sum(1 for _, q in expected if q is p) for p in enabled}
    assert {p: sum(1 for n in nodes if n["provider"] == p.name) for p in enabled} == by_provider
    again = await page_through(gateway, first=17)
    assert [n["id"] for n in again] == [n["id"] for n in nodes]


async def test_has_next_page_is_exact_at_the_boundary(gateway: Gateway) -> None:
    total = len(records(await enabled_providers(gateway)))
    whole = (await gateway.data(LIST, first=min(total, 100)))["customers"]
    assert whole["pageInfo"]["hasNextPage"] is (total > 100)
    if total <= 100:
        assert len(whole["edges"]) == total
    nodes = await page_through(gateway, first=min(100, total // 3 + 1))
    assert len(nodes) == total


async def test_cursor_from_another_filter_is_refused(gateway: Gateway) -> None:
    page = (await gateway.data(LIST, first=2))["customers"]
    body = await gateway.gql(
        LIST, first=2, after=page["pageInfo"]["endCursor"], filter={"name": "Ada"}
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_email_filter_finds_the_person_everywhere(gateway: Gateway) -> None:
    enabled = await enabled_providers(gateway)
    person = next(
        p for p in population() if len(set(p.providers) & set(enabled)) >= 2 or len(enabled) == 1
    )
    nodes = await page_through(gateway, first=10, email=f"  {person.email.upper()} ")
    assert sorted(n["provider"] for n in nodes) == sorted(
        p.name for p in person.providers if p in enabled
    )


async def test_phone_filter_matches_on_digits(gateway: Gateway) -> None:
    enabled = await enabled_providers(gateway)
    person = next(
        p for p in population() if p.phone_country == "US" and set(p.providers) & set(enabled)
    )
    digits = "1" + person.phone_national
    nodes = await page_through(gateway, first=10, phone=f"+{digits[0]} {digits[1:4]}-{digits[4:]}")
    assert sorted(n["provider"] for n in nodes) == sorted(
        p.name for p in person.providers if p in enabled
    )


async def test_name_filter_is_a_case_insensitive_substring(gateway: Gateway) -> None:
    enabled = await enabled_providers(gateway)
    expected = [
        (p.key, provider.name)
        for p, provider in records(enabled)
        if "hopp" in f"{p.given_name} {p.family_name}".lower()
    ]
    assert expected, "the seed has Hoppers"
    nodes = await page_through(gateway, first=25, name="HOPP")
    assert sorted((person_key(n["email"]), n["provider"]) for n in nodes) == sorted(expected)


async def test_created_window_filters_every_provider(gateway: Gateway) -> None:
    enabled = await enabled_providers(gateway)
    everyone = records(enabled)
    stamps = sorted(created(p, q) for p, q in everyone)
    after, before = stamps[len(stamps) // 4], stamps[len(stamps) // 2]
    expected = [(p.key, q.name) for p, q in everyone if after < created(p, q) < before]
    nodes = await page_through(
        gateway,
        first=30,
        createdAfter=after.isoformat(),
        createdBefore=before.isoformat(),
    )
    assert sorted((person_key(n["email"]), n["provider"]) for n in nodes) == sorted(expected)


async def test_provider_filter_narrows_the_fan_out(gateway: Gateway) -> None:
    enabled = await enabled_providers(gateway)
    await gateway.reset_stats()
    one = enabled[-1]
    nodes = await page_through(gateway, first=50, providers=[one.name])
    assert {n["provider"] for n in nodes} == {one.name}
    stats = await gateway.stats()
    for other in enabled:
        if other is not one:
            assert stats[other.value]["total"] == 0, other


SAME_AS = """
query($first: Int, $after: String) {
  customers(first: $first, after: $after) {
    nodes { provider email sameAs { provider email } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def test_same_as_finds_the_seeded_people_and_only_them(gateway: Gateway) -> None:
    enabled = await enabled_providers(gateway)
    owners = {p.key: {q for q in p.providers if q in enabled} for p in population()}
    after = None
    checked = 0
    while True:
        page = (await gateway.data(SAME_AS, first=100, after=after))["customers"]
        for node in page["nodes"]:
            key = person_key(node["email"])
            mine = ProviderName[node["provider"]]
            assert {ProviderName[s["provider"]] for s in node["sameAs"]} == owners[key] - {mine}
            assert {person_key(s["email"]) for s in node["sameAs"]} <= {key}
            checked += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert checked == len(records(enabled))


async def test_repeating_a_customer_costs_no_second_call(uncached_gateway: Gateway) -> None:
    gateway = uncached_gateway
    node = (await gateway.data(LIST, first=1))["customers"]["edges"][0]["node"]
    fields = "email addresses { city } paymentSources { last4 } orders(first: 2) { nodes { id } }"
    single = f"query($id: ID!) {{ a: customer(id: $id) {{ {fields} }} }}"
    await gateway.data(single, id=node["id"])  # warms what adapters keep for good (locations)
    await gateway.reset_stats()
    await gateway.data(single, id=node["id"])
    once = await gateway.stats()
    assert once[node["provider"].lower().replace("_", "")]["total"] > 0
    await gateway.reset_stats()
    await gateway.data(
        f"""query($id: ID!) {{
          a: customer(id: $id) {{ {fields} }}
          b: customer(id: $id) {{ {fields} }}
          c: node(id: $id) {{ ... on Customer {{ {fields} }} }}
        }}""",
        id=node["id"],
    )
    assert await gateway.stats() == once


async def test_node_resolves_customers_and_orders_of_every_provider(gateway: Gateway) -> None:
    enabled = await enabled_providers(gateway)
    for provider in enabled:
        customer = (
            await gateway.data(
                """query($filter: CustomerFilter) {
                  customers(first: 1, filter: $filter) {
                    nodes { id email orders(first: 1) { nodes { id providerId total { amount } } } }
                  }
                }""",
                filter={"providers": [provider.name]},
            )
        )["customers"]["nodes"][0]
        as_node = await gateway.data(
            "query($id: ID!) { node(id: $id) { id ... on Customer { email } } }", id=customer["id"]
        )
        assert as_node["node"] == {"id": customer["id"], "email": customer["email"]}
        [order] = customer["orders"]["nodes"]
        order_node = await gateway.data(
            """query($id: ID!) {
              node(id: $id) { id ... on Order { providerId total { amount } } }
            }""",
            id=order["id"],
        )
        assert order_node["node"] == order


@pytest.mark.parametrize("fault", [{"error_rate": 1.0, "error_status": 503}, {"hang": True}])
async def test_one_provider_down_the_others_still_answer(
    gateway: Gateway, fault: dict[str, Any]
) -> None:
    enabled = await enabled_providers(gateway)
    down = enabled[0]
    healthy = [p for p in enabled if p is not down]
    await gateway.set_faults(down.value, **fault)
    await gateway.reset_stats()
    body = await gateway.gql(
        """{ customers(first: 30) {
              nodes { provider email addresses { city } orders(first: 1) { nodes { id } }
                      sameAs { provider } }
        } }"""
    )
    await gateway.clear_faults(down.value)
    code = "PROVIDER_TIMEOUT" if fault.get("hang") else "PROVIDER_UNAVAILABLE"
    assert [(e.get("path"), e["extensions"]) for e in body["errors"]] == [
        (None, {"code": code, "provider": down.name})
    ]
    nodes = body["data"]["customers"]["nodes"]
    assert {n["provider"] for n in nodes} == {p.name for p in healthy}
    assert len(nodes) == min(30, sum(1 for _, q in records(healthy)))
    for node in nodes:
        assert node["addresses"] is not None
        assert all(s["provider"] != down.name for s in node["sameAs"])
    stats = await gateway.stats()
    tries = 1 if fault.get("hang") else RetrySettings().attempts  # a 503 is retried, a hang not
    assert stats[down.value]["total"] == tries, "a provider found down is not asked again"


async def test_malformed_after_cursor_is_bad_user_input(gateway: Gateway) -> None:
    body = await gateway.gql(LIST, first=2, after="garbage")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert re.search("after", body["errors"][0]["message"])


def test_windows_are_wide_enough() -> None:
    stamps = sorted(p.created_at for p in population())
    assert stamps[-1] - stamps[0] > timedelta(days=100)
