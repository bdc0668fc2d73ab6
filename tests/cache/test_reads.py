"""The read cache through the public GraphQL API, in-memory backend, for every provider.

Upstream calls are counted by the sandboxes. A write through the gateway must show
in the very next read although that read's entries were warm.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from contextlib import aclosing
from typing import Any

import pytest

from gateway.model import ProviderName
from tests.cache.conftest import FIRST_OF, READ, UPDATE, seeded_id, total_calls
from tests.conftest import REDIS_URL, Gateway, make_settings, open_gateway
from tests.contract.cases import CASES, ProviderCase
from tests.contract.test_customers import ADDRESS_MUTATION, DELETE, PAYMENT_MUTATION, create

pytestmark = pytest.mark.parametrize("case", CASES, ids=[c.slug for c in CASES])

SERIES = re.compile(r'^(gateway_cache_\w+)\{kind="(\w+)",provider="(\w+)"\} (\d+)\.0$')


async def metrics(gw: Gateway) -> dict[tuple[str, str, str], int]:
    response = await gw.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    found = {}
    for line in response.text.splitlines():
        if match := SERIES.match(line):
            name, kind, provider, value = match.groups()
            found[(name, provider, kind)] = int(value)
    return found


async def read(gw: Gateway, customer_id: str) -> dict[str, Any] | None:
    customer: dict[str, Any] | None = (await gw.data(READ, id=customer_id))["customer"]
    return customer


async def test_a_repeated_read_costs_no_upstream_call_and_shows_in_metrics(
    gateway: Gateway, case: ProviderCase
) -> None:
    customer_id = await seeded_id(gateway, case.provider)
    await gateway.reset_stats()
    first = await read(gateway, customer_id)
    assert total_calls(await gateway.stats()) > 0
    await gateway.reset_stats()
    assert await read(gateway, customer_id) == first
    assert total_calls(await gateway.stats()) == 0

    counts = await metrics(gateway)
    for kind in ("customer", "addresses", "payment_sources", "orders", "search"):
        assert counts[("gateway_cache_hits_total", case.slug, kind)] > 0, kind
        assert counts[("gateway_cache_misses_total", case.slug, kind)] > 0, kind
    assert counts[("gateway_cache_hits_total", case.slug, "customer")] == 1
    assert counts[("gateway_cache_misses_total", case.slug, "customer")] == 1


async def test_every_write_shows_in_the_next_read_of_warm_entries(
    gateway: Gateway, case: ProviderCase
) -> None:
    created = await create(gateway, case)
    customer_id = created["id"]

    async def warm_read() -> dict[str, Any]:
        """Read twice: the second read must cost nothing, so the next one starts warm."""
        await read(gateway, customer_id)
        await gateway.reset_stats()
        again = await read(gateway, customer_id)
        assert total_calls(await gateway.stats()) == 0
        assert again is not None
        return again

    async def mutate(name: str, template: str, **fields: Any) -> None:
        input_type = name[0].upper() + name[1:] + "Input"
        payload = (await gateway.data(template.format(input=input_type, name=name), input=fields))[
            name
        ]
        assert payload["userErrors"] == [], name

    await warm_read()
    text = case.text_field
    updated = (await gateway.data(UPDATE, input={"id": customer_id, text: "Augusta"}))[
        "updateCustomer"
    ]
    assert updated["customer"][text] == "Augusta"
    assert (await read(gateway, customer_id) or {})[text] == "Augusta"

    await warm_read()
    await mutate(
        "addCustomerAddress", ADDRESS_MUTATION, customerId=customer_id, address=case.address
    )
    [address] = (await warm_read())["addresses"]
    assert address["line1"] == case.address["line1"]
    await mutate(
        "updateCustomerAddress",
        ADDRESS_MUTATION,
        customerId=customer_id,
        addressId=address["id"],
        address={"city": "Shelbyville"},
    )
    assert [a["city"] for a in (await warm_read())["addresses"]] == ["Shelbyville"]
    await mutate(
        "removeCustomerAddress", ADDRESS_MUTATION, customerId=customer_id, addressId=address["id"]
    )
    assert (await warm_read())["addresses"] == []

    if case.payment_token is not None:
        await mutate(
            "attachPaymentSource",
            PAYMENT_MUTATION,
            customerId=customer_id,
            token=case.payment_token,
        )
        [source] = (await warm_read())["paymentSources"]
        await mutate(
            "detachPaymentSource",
            PAYMENT_MUTATION,
            customerId=customer_id,
            paymentSourceId=source["id"],
        )
        assert (await warm_read())["paymentSources"] == []

    deleted = (await gateway.data(DELETE, input={"id": customer_id}))["deleteCustomer"]
    assert deleted["userErrors"] == []
    assert await read(gateway, customer_id) is None


async def test_a_write_refreshes_every_list_page(gateway: Gateway, case: ProviderCase) -> None:
    created = await create(gateway, case)
    by_email = {"providers": [case.provider], "email": case.new_customer["email"]}
    listed = (await gateway.data(FIRST_OF, filter=by_email))["customers"]["nodes"]
    assert [n["id"] for n in listed] == [created["id"]]
    await gateway.reset_stats()
    await gateway.data(FIRST_OF, filter=by_email)
    assert total_calls(await gateway.stats()) == 0, "the page is cached"

    new_email = "renamed.cache@example.com"
    payload = (await gateway.data(UPDATE, input={"id": created["id"], "email": new_email}))[
        "updateCustomer"
    ]
    assert payload["userErrors"] == []
    assert (await gateway.data(FIRST_OF, filter=by_email))["customers"]["nodes"] == []
    renamed = {"providers": [case.provider], "email": new_email}
    found = (await gateway.data(FIRST_OF, filter=renamed))["customers"]["nodes"]
    assert [n["id"] for n in found] == [created["id"]]


@pytest.mark.parametrize("backend", ["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def test_fifty_identical_cold_queries_cost_what_one_costs(
    case: ProviderCase, backend: str, redis_prefixes: Callable[[], str]
) -> None:
    async def routes_after(concurrent: int) -> tuple[dict[str, Any], list[Any]]:
        cache = {"url": REDIS_URL, "key_prefix": redis_prefixes()} if backend == "redis" else {}
        # 50 whole queries share one event loop with the sandboxes: a slow answer
        # here is load, not the timeout handling other tests are about.
        patient = {p.value: {"timeout_s": 60.0} for p in ProviderName}
        settings = make_settings(cache=cache, **patient)
        async with aclosing(open_gateway(settings)) as gateways:
            gw = await anext(gateways)
            customer_id = await seeded_id(gw, case.provider)
            await gw.reset_stats()
            answers = await asyncio.gather(
                *(gw.data(READ, id=customer_id) for _ in range(concurrent))
            )
            stats = await gw.stats()
            counts = await metrics(gw)
        coalesced = sum(v for k, v in counts.items() if k[0] == "gateway_cache_coalesced_total")
        assert (coalesced > 0) == (concurrent > 1)
        return {slug: s["routes"] for slug, s in stats.items()}, answers

    one, [single] = await routes_after(1)
    fifty, answers = await routes_after(50)
    assert single["customer"] is not None
    assert answers == [single] * 50
    assert sum(sum(r.values()) for r in one.values()) > 0
    # At most what one query costs: an adapter may itself merge calls that overlap
    # in time (one record read serving two kinds), which 50 queries make likelier.
    for slug, routes in fifty.items():
        for route, calls in routes.items():
            assert calls <= one.get(slug, {}).get(route, 0), (slug, route)


async def test_switched_off_every_read_goes_upstream(case: ProviderCase) -> None:
    async for gw in open_gateway(make_settings(cache={"enabled": False})):
        customer_id = await seeded_id(gw, case.provider)
        await read(gw, customer_id)
        await gw.reset_stats()
        await read(gw, customer_id)
        assert total_calls(await gw.stats()) > 0
        counts = await metrics(gw)
        assert all(v == 0 for v in counts.values())


async def test_a_ttl_of_zero_leaves_that_kind_uncached(case: ProviderCase) -> None:
    async for gw in open_gateway(make_settings(cache={"customer_ttl_s": 0})):
        customer_id = await seeded_id(gw, case.provider)
        await read(gw, customer_id)
        await gw.reset_stats()
        await read(gw, customer_id)
        assert total_calls(await gw.stats()) > 0, "the record itself is fetched again"
        counts = await metrics(gw)
        assert counts[("gateway_cache_hits_total", case.slug, "customer")] == 0
        assert counts[("gateway_cache_hits_total", case.slug, "orders")] > 0


async def test_a_cache_outage_costs_speed_not_answers(case: ProviderCase) -> None:
    from gateway.ports import free_port

    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    async for gw in open_gateway(make_settings(cache={"url": nowhere})):
        customer_id = await seeded_id(gw, case.provider)
        before = await read(gw, customer_id)
        assert before is not None
        text = case.text_field
        payload = (await gw.data(UPDATE, input={"id": customer_id, text: "Outage"}))[
            "updateCustomer"
        ]
        assert payload["userErrors"] == []
        assert (await read(gw, customer_id) or {})[text] == "Outage"
        counts = await metrics(gw)
        assert counts[("gateway_cache_backend_errors_total", case.slug, "customer")] > 0
        assert counts[("gateway_cache_hits_total", case.slug, "customer")] == 0
