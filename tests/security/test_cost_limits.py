"""Operations over a static limit are refused before they run: one coded error, no call.

Each hostile operation of issue 12 is sent to the real app over the sandboxes, with
the limits that would stop it first, then with those raised, so every measure is
seen refusing it. The sandbox counters show that nothing reached a provider.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from gateway.model import ProviderName
from tests.conftest import Gateway, make_settings, open_gateway

README = Path(__file__).resolve().parents[2] / "README.md"
P = len(ProviderName)
"""Providers: a page costs a call to each (schema/cost.py)."""
HANG_GUARD_S = 15.0
"""The default deadline plus 5 s: a guard against a hang, not a timing assertion."""
BIG_BODY = 10_000_000
"""Bodies of the size under test pass the body limit, so the query limits are what answer."""


@asynccontextmanager
async def gateway_with(**limits: int) -> AsyncIterator[Gateway]:
    settings = make_settings(limits={"max_body_bytes": BIG_BODY, **limits})
    async for gateway in open_gateway(settings):
        yield gateway


async def refused(gateway: Gateway, query: str, **variables: Any) -> dict[str, Any]:
    """The one error of a refused operation, after checking nothing went upstream."""
    await gateway.reset_stats()
    async with asyncio.timeout(HANG_GUARD_S):
        body = await gateway.gql(query, **variables)
    assert body["data"] is None
    assert len(body["errors"]) == 1, body["errors"]
    stats = await gateway.stats()
    assert {provider: s["total"] for provider, s in stats.items()} == dict.fromkeys(stats, 0)
    error: dict[str, Any] = body["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    return error


def same_as_chain(levels: int) -> str:
    nested = "sameAs { " * levels + "id email" + " }" * levels
    return f"query($id: ID!) {{ customer(id: $id) {{ {nested} }} }}"


def customers_aliases(count: int) -> str:
    fields = " ".join(
        f'c{i}: customers(first: 100, filter: {{name: "n{i}"}}) {{ nodes {{ id }} }}'
        for i in range(count)
    )
    return f"{{ {fields} }}"


@pytest.mark.parametrize(
    ("limits", "measure", "value", "limit"),
    [
        ({}, "depth", 13, 12),
        # 1 + 3 + 9 + ... objects (each sameAs finds the other providers) and 1 + P calls
        ({"max_query_depth": 20}, "cost", ((P - 1) ** 13 - 1) // (P - 2) + 10 * (1 + P), 5_000),
    ],
)
async def test_a_12_deep_sameas_chain(
    limits: dict[str, int], measure: str, value: int, limit: int
) -> None:
    async with gateway_with(**limits) as gateway:
        page = await gateway.data("{ customers(first: 1) { nodes { id } } }")
        customer = page["customers"]["nodes"][0]["id"]
        error = await refused(gateway, same_as_chain(12), id=customer)
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", measure: value, "limit": limit}


@pytest.mark.parametrize(
    ("limits", "measure", "value", "limit"),
    [
        ({}, "tokens", 2_001, 2_000),
        ({"max_tokens": 10_000}, "aliases", 200, 30),
        ({"max_tokens": 10_000, "max_aliases": 1_000}, "cost", 200 * (101 + 10 * P), 5_000),
    ],
)
async def test_200_aliases_of_a_full_page(
    limits: dict[str, int], measure: str, value: int, limit: int
) -> None:
    async with gateway_with(**limits) as gateway:
        error = await refused(gateway, customers_aliases(200))
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", measure: value, "limit": limit}


async def test_a_5_mb_query_stops_at_its_token_limit() -> None:
    query = customers_aliases(70_000)
    assert len(query.encode()) > 5_000_000
    async with gateway_with() as gateway:
        error = await refused(gateway, query)
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "tokens": 2_001, "limit": 2_000}


ENTITIES = """query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Customer { id email } } }"""


@pytest.mark.parametrize(
    ("limits", "measure", "value", "limit"),
    [
        ({}, "entities", 2_000, 100),
        ({"max_entities": 5_000}, "cost", 2_000 * 11, 5_000),
    ],
)
async def test_2000_representations(
    limits: dict[str, int], measure: str, value: int, limit: int
) -> None:
    async with gateway_with(**limits) as gateway:
        representations = [{"__typename": "Customer", "id": f"forged-{i}"} for i in range(2_000)]
        error = await refused(gateway, ENTITIES, representations=representations)
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", measure: value, "limit": limit}


PAGE = "{ customers(first: 5) { nodes { id } } }"
PAGE_COST = 6 + 10 * P


async def test_a_cost_at_the_limit_runs_and_one_over_it_is_refused() -> None:
    async with gateway_with(max_cost=PAGE_COST) as gateway:
        assert len((await gateway.data(PAGE))["customers"]["nodes"]) == 5
    async with gateway_with(max_cost=PAGE_COST - 1) as gateway:
        error = await refused(gateway, PAGE)
    assert error["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "cost": PAGE_COST,
        "limit": PAGE_COST - 1,
    }


def readme_queries() -> list[str]:
    blocks = re.findall(r"```graphql\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert blocks, "README.md has no ```graphql blocks"
    return blocks


@pytest.mark.parametrize("query", readme_queries())
async def test_every_readme_query_runs_within_the_default_limits(
    gateway: Gateway, query: str
) -> None:
    body = await gateway.gql(query)
    assert "errors" not in body, body["errors"]
