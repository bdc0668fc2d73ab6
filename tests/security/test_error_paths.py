"""Errors of the request itself are coded and blank only what they concern.

Parse and validation errors carry Apollo's codes; a time without UTC offset is
BAD_USER_INPUT before any provider is asked (it was INTERNAL with `data: null` for
every provider); a malformed `_entities` representation fails at its own index while
the others resolve (it was INTERNAL for the whole field).
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Gateway

ENTITIES = """query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Customer { id email } }
}"""

CREATED_AFTER = """query ($filter: CustomerFilter) {
  customers(first: 3, filter: $filter) { nodes { id createdAt } }
}"""


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body["errors"]]


async def upstream_calls(gw: Gateway) -> int:
    return sum(int(p["total"]) for p in (await gw.stats()).values())


async def test_parse_and_validation_errors_carry_apollos_codes(gateway: Gateway) -> None:
    unparsable = await gateway.gql("{ customers(first: 2 ")
    invalid = await gateway.gql("{ customers(first: 2) { nodes { idd } } nope }")
    by_get = await gateway.client.get("/graphql", params={"query": "{ nope"})

    assert unparsable.get("data") is None
    assert codes(unparsable) == ["GRAPHQL_PARSE_FAILED"]
    assert invalid.get("data") is None
    assert codes(invalid) == ["GRAPHQL_VALIDATION_FAILED", "GRAPHQL_VALIDATION_FAILED"]
    assert codes(by_get.json()) == ["GRAPHQL_PARSE_FAILED"]


async def test_variables_that_do_not_fit_their_types_are_bad_user_input(gateway: Gateway) -> None:
    query = (
        "query ($n: Int!, $f: CustomerFilter) { customers(first: $n, filter: $f) { nodes { id } } }"
    )

    wrong_type = await gateway.gql(query, n="x")
    missing = await gateway.gql(query)
    unknown_field = await gateway.gql(query, n=1, f={"nope": 1})

    for body in (wrong_type, missing, unknown_field):
        assert body.get("data") is None
        assert codes(body) == ["BAD_USER_INPUT"]


async def test_a_time_without_utc_offset_is_refused_before_any_provider_call(
    gateway: Gateway,
) -> None:
    literal = (
        '{ customers(first: 3, filter: { createdAfter: "2020-01-01T00:00:00" }) { nodes { id } } }'
    )
    await gateway.reset_stats()

    as_variable = await gateway.gql(CREATED_AFTER, filter={"createdAfter": "2020-01-01T00:00:00"})
    as_literal = await gateway.gql(literal)

    assert await upstream_calls(gateway) == 0
    for body in (as_variable, as_literal):
        assert body.get("data") is None
        assert codes(body) == ["BAD_USER_INPUT"]
        assert "UTC offset" in body["errors"][0]["message"]
    assert "createdAfter" in as_variable["errors"][0]["message"]
    column = literal.index('"2020') + 1
    assert as_literal["errors"][0]["locations"] == [{"line": 1, "column": column}]


async def test_times_with_an_offset_filter_every_provider(gateway: Gateway) -> None:
    everyone = await gateway.data(
        CREATED_AFTER, filter={"createdAfter": "2000-01-01T02:00:00+02:00"}
    )
    nobody = await gateway.data(CREATED_AFTER, filter={"createdAfter": "2999-01-01T00:00:00Z"})

    assert len(everyone["customers"]["nodes"]) == 3
    assert nobody["customers"]["nodes"] == []


async def test_a_malformed_representation_fails_at_its_own_index_only(gateway: Gateway) -> None:
    known = (await gateway.data("{ customers(first: 1) { nodes { id email } } }"))["customers"]
    customer = known["nodes"][0]
    malformed: list[Any] = [
        {},
        {"__typename": "Customer"},
        {"__typename": "Customer", "id": 5},
        {"__typename": "Customer", "id": None},
        {"__typename": "Nope", "id": customer["id"]},
        {"__typename": "PageInfo", "id": customer["id"]},
        {"__typename": "Customer", "id": customer["id"], "extra": 1},
        {"__typename": "Customer", "id": "not-a-gateway-id"},
        "Customer",
        7,
    ]
    valid = {"__typename": "Customer", "id": customer["id"]}
    representations = [valid, *malformed, valid]

    body = await gateway.gql(ENTITIES, representations=representations)

    assert body["data"]["_entities"] == [customer, *[None] * len(malformed), customer]
    assert sorted(e["path"][1] for e in body["errors"]) == list(range(1, len(malformed) + 1))
    assert {e["path"][0] for e in body["errors"]} == {"_entities"}
    assert set(codes(body)) == {"BAD_USER_INPUT"}
    assert all(e["message"] for e in body["errors"])


REFUSED_REQUESTS: list[tuple[dict[str, Any], str]] = [
    ({"content": b"{not json", "headers": {"content-type": "application/json"}}, "BAD_REQUEST"),
    ({"content": b"a,b", "headers": {"content-type": "text/csv"}}, "BAD_REQUEST"),
    ({"json": {"query": 5}}, "BAD_REQUEST"),
    ({"json": {"query": "{ providers { provider } }", "variables": [1]}}, "BAD_REQUEST"),
    (
        {"json": {"query": "query A { providers { provider } }", "operationName": "Secret"}},
        "OPERATION_RESOLUTION_FAILURE",
    ),
]


async def test_requests_graphql_cannot_read_are_coded_json_errors(gateway: Gateway) -> None:
    await gateway.reset_stats()
    for request, code in REFUSED_REQUESTS:
        response = await gateway.client.post("/graphql", **request)
        assert response.status_code == 400, request
        body = response.json()
        assert codes(body) == [code], request
        assert "Secret" not in response.text
    assert await upstream_calls(gateway) == 0
