"""Through a real Apollo gateway: queries that need our subgraph and the loyalty one.

The Apollo gateway composes both subgraphs itself (IntrospectAndCompose reads each
one's `_service { sdl }`), plans the query, and joins the answers by `Customer.id`,
in both directions: from our `customers` to loyalty's entities, and from loyalty's
members to our `_entities`.
"""

from __future__ import annotations

from typing import Any

from schema.schema import sdl
from tests.federation.conftest import (
    Gateway,
    Graph,
    loyalty_points,
    slug,
)

PER_PROVIDER = 3


def test_our_subgraph_advertises_the_exported_sdl(ours: Gateway) -> None:
    assert ours.data("{ _service { sdl } }")["_service"]["sdl"] == sdl().rstrip("\n")


def by_provider(providers: list[str], fields: str) -> str:
    """One aliased `customers` field per provider, so every provider is in the answer."""
    fields_by_provider = (
        f"{p.lower()}: customers(filter: {{ providers: [{p}] }}, first: {PER_PROVIDER}) "
        f"{{ nodes {{ {fields} }} }}"
        for p in providers
    )
    return "{\n" + "\n".join(fields_by_provider) + "\n}"


def test_customers_of_every_provider_get_their_loyalty_points(
    ours: Gateway, supergraph: Graph, providers: list[str]
) -> None:
    fields = "id provider email displayName"

    joined = supergraph.data(by_provider(providers, f"{fields} loyaltyPoints"))
    direct = ours.data(by_provider(providers, fields))

    customers = [c for p in providers for c in joined[p.lower()]["nodes"]]
    assert len(customers) == PER_PROVIDER * len(providers)
    assert {c["provider"] for c in customers} == set(providers)
    expected = [
        {**c, "loyaltyPoints": loyalty_points(c["id"])}
        for p in providers
        for c in direct[p.lower()]["nodes"]
    ]
    assert customers == expected


LOYALTY_FIRST = """
{
  loyaltyMembers {
    id
    loyaltyPoints
    provider
    email
  }
}
"""


def test_loyalty_members_resolve_through_our_entities_in_batches(
    ours: Gateway, supergraph: Graph, members: list[dict[str, Any]]
) -> None:
    ours.reset_stats()
    answered = supergraph.data(LOYALTY_FIRST)["loyaltyMembers"]
    calls = ours.calls()

    assert answered == [
        {
            "id": m["id"],
            "loyaltyPoints": loyalty_points(m["id"]),
            "provider": m["provider"],
            "email": m["email"],
        }
        for m in members
    ]
    involved = {slug(m["provider"]) for m in members}
    for provider in involved:
        assert calls[provider] >= 1, f"{provider} answered {len(members)} members unasked"
    assert sum(calls.values()) < len(members), calls
