"""The cost model on small documents: each figure follows from schema/cost.py's docstring.

The figures are priced for four providers, as the comments count them, so that they
stay put when a provider is added; the gateway prices for the providers it has.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import get_operation_ast, get_variable_values, parse, validate

from gateway.model import ProviderName
from schema.cost import Estimate, Pricing, estimate
from schema.schema import schema

GRAPHQL = schema._schema
FOUR = 4
"""The number of providers the figures below are priced for."""


def measure(query: str, pricing: Pricing | None = None, **variables: Any) -> Estimate:
    document = parse(query)
    assert validate(GRAPHQL, document) == []
    operation = get_operation_ast(document)
    assert operation is not None
    coerced = get_variable_values(GRAPHQL, operation.variable_definitions or (), variables)
    assert not isinstance(coerced, list), coerced
    return estimate(GRAPHQL, document, operation, coerced, pricing or Pricing(providers=FOUR))


def chain(levels: int) -> str:
    return '{ customer(id: "x") { ' + "sameAs { " * levels + "id" + " }" * levels + " } }"


@pytest.mark.parametrize(
    ("query", "cost"),
    [
        # one object, one lookup
        ('{ customer(id: "x") { id email } }', 1 + 10),
        # 1 + 3 objects; the lookup and the contact index of 4 providers
        ('{ customer(id: "x") { sameAs { id } } }', 4 + 10 * (1 + 4)),
        # the connection and 5 nodes; a page from each of 4 providers
        ("{ customers(first: 5) { nodes { id } } }", 6 + 10 * 4),
        ("{ customers(first: 5, filter: {providers: [SQUARE]}) { nodes { id } } }", 6 + 10),
        # `first` defaults to 20 and sizes `edges`; each edge holds a node; pageInfo
        (
            "{ customers { edges { cursor node { id } } pageInfo { hasNextPage } } }",
            1 + 20 * 2 + 1 + 10 * 4,
        ),
        # clamped to max_page_size, as the resolver refuses more
        ("{ customers(first: 1000) { nodes { id } } }", 101 + 10 * 4),
        # addresses: assumed 5; orders: its connection, 2 nodes of an order and its total
        (
            '{ customer(id: "x") { addresses { city } '
            "orders(first: 2) { nodes { total { amount } } } } }",
            1 + 5 + 1 + 2 * 2 + 10 * 3,
        ),
        # sameAs of sameAs: 1 + 3 + 9 objects, the index still built once
        ('{ customer(id: "x") { sameAs { sameAs { id } } } }', 13 + 10 * 5),
        # a fragment costs what its selections cost where it is spread
        (
            '{ customer(id: "x") { ...F } } fragment F on Customer { sameAs { id } }',
            4 + 10 * 5,
        ),
        ('{ node(id: "x") { ... on Customer { paymentSources { last4 } } } }', 1 + 5 + 10 * 2),
        # a write, its payload and its userErrors (assumed 5)
        (
            'mutation { deleteCustomer(input: {id: "x"}) { deletedId userErrors { code } } }',
            1 + 5 + 10,
        ),
        ('{ a: customer(id: "x") { id } b: customer(id: "y") { id } }', 2 * 11),
        ("{ __schema { types { name fields { name } } } __typename }", 0),
        ("{ providers { provider writableFields } }", 5),
    ],
)
def test_cost_of_small_documents(query: str, cost: int) -> None:
    assert measure(query).cost == cost


def test_variables_count_as_coerced() -> None:
    query = "query($n: Int!) { customers(first: $n) { nodes { id } } }"
    assert measure(query, n=3).cost == 4 + 10 * 4
    entities = """query($r: [_Any!]!) {
      _entities(representations: $r) { ... on Customer { id } } }"""
    found = measure(entities, r=[{"__typename": "Customer", "id": "x"}] * 3)
    assert (found.cost, found.entities, found.upstream_calls) == (3 + 10 * 3, 3, 3)
    filtered = """query($f: CustomerFilter) {
      customers(first: 5, filter: $f) { nodes { id } } }"""
    assert measure(filtered, f={"providers": ["SQUARE", "CLOVER"]}).cost == 6 + 10 * 2


def test_depth_counts_levels_of_selections() -> None:
    found = measure('{ customer(id: "x") { orders { nodes { total { amount } } } } }')
    assert (found.depth, found.aliases) == (4, 0)


def test_a_sameas_chain_grows_three_fold_per_level() -> None:
    found = measure(chain(12), Pricing(providers=FOUR, max_depth=50))
    assert found.objects == (3**13 - 1) // 2
    assert found.cost == found.objects + 10 * 5
    assert found.depth == 13


def test_the_walk_stops_one_level_past_max_depth() -> None:
    found = measure(chain(40), Pricing(providers=FOUR, max_depth=12))
    assert found.depth == 13


def test_fragments_are_priced_once_not_per_spread() -> None:
    """Each fragment spreads the next twice: 2^41 aliased fields, counted in linear time."""
    levels = 40
    fragments = [
        f"fragment F{i} on Query {{ a{i}: __typename ...F{i + 1} b{i}: __typename ...F{i + 1} }}"
        for i in range(levels)
    ]
    fragments.append(f"fragment F{levels} on Query {{ __typename }}")
    found = measure("{ ...F0 }\n" + "\n".join(fragments))
    assert found.aliases == 2 ** (levels + 1) - 2


def spread_chain(length: int) -> str:
    """`customer { ...F0 }`, each fragment a level deeper in sameAs than the last."""
    fragments = [f"fragment F{i} on Customer {{ sameAs {{ ...F{i + 1} }} }}" for i in range(length)]
    fragments.append(f"fragment F{length} on Customer {{ id }}")
    return '{ customer(id: "x") { ...F0 } }\n' + "\n".join(fragments)


def test_the_longest_chain_of_fragments_validation_accepts_is_walked() -> None:
    """graphql-core's validation gives up on chains its recursion cannot follow: the
    walk follows the longest it accepts, even with no depth limit to stop it."""
    length = 1
    while validate(GRAPHQL, parse(spread_chain(length * 2))) == []:
        length *= 2
    found = measure(spread_chain(length), Pricing(providers=FOUR, max_depth=10**6))
    assert found.depth == length + 1


def test_the_gateway_prices_for_every_provider_it_knows() -> None:
    assert Pricing().providers == len(ProviderName)
