"""Body size and JSON nesting are bounded before anything parses the request.

Each refusal is a GraphQL-shaped JSON error with its code, reaches no resolver and
no provider (the sandbox counters stay at zero), and the limits are exact: a request
at the limit passes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.request_limits import json_depth
from tests.conftest import Gateway, make_settings, open_gateway

MAX_BYTES = 2_000
MAX_DEPTH = 8


@pytest.fixture
async def gw() -> AsyncIterator[Gateway]:
    limits = {"max_body_bytes": MAX_BYTES, "max_json_depth": MAX_DEPTH}
    async for gateway in open_gateway(make_settings(limits=limits)):
        yield gateway


def nested(levels: int) -> str:
    """`levels` arrays inside each other, as JSON text (`json.dumps` would recurse)."""
    return "[" * levels + "]" * levels


def request(variables: str | None = None) -> bytes:
    """A `{ __typename }` request whose `variables` hold `x`, given as JSON text."""
    if variables is None:
        return b'{"query": "{ __typename }"}'
    return b'{"query": "{ __typename }", "variables": {"x": %s}}' % variables.encode()


def body_of_size(size: int) -> bytes:
    """A valid GraphQL request of exactly `size` bytes (the query padded with spaces)."""
    empty = json.dumps({"query": "{ __typename }"}).encode()
    padding = size - len(empty)
    assert padding >= 0
    return json.dumps({"query": "{ __typename }" + " " * padding}).encode()


async def post(gw: Gateway, content: bytes | AsyncIterator[bytes]) -> httpx.Response:
    return await gw.client.post(
        "/graphql", content=content, headers={"content-type": "application/json"}
    )


def code_of(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/json"
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert errors[0]["message"]
    return str(errors[0]["extensions"]["code"])


async def upstream_calls(gw: Gateway) -> int:
    return sum(int(p["total"]) for p in (await gw.stats()).values())


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "]]]]]]", "{{{"]', 1),
        (r'["\"[[[[", "\\", "\\\"{{"]', 1),
        ("[" * 5000 + "]" * 5000, 5000),
        ('{"a": "}}}}"}', 1),
    ],
)
def test_json_depth_counts_brackets_outside_strings(text: str, depth: int) -> None:
    assert json_depth(text.encode()) == depth


async def test_a_body_at_the_limit_is_served_and_one_byte_more_is_413(gw: Gateway) -> None:
    await gw.reset_stats()
    at_limit = await post(gw, body_of_size(MAX_BYTES))
    over = await post(gw, body_of_size(MAX_BYTES + 1))

    assert at_limit.status_code == 200
    assert at_limit.json() == {"data": {"__typename": "Query"}}
    assert over.status_code == 413
    assert code_of(over) == "PAYLOAD_TOO_LARGE"
    assert over.json()["errors"][0]["extensions"]["limit"] == MAX_BYTES
    assert await upstream_calls(gw) == 0


async def test_a_streamed_body_without_length_is_counted_as_it_arrives(gw: Gateway) -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            sent.append(1)
            yield b" " * 100

    response = await post(gw, chunks())

    assert response.status_code == 413
    assert code_of(response) == "PAYLOAD_TOO_LARGE"
    assert len(sent) < 100, "the refusal came once the limit was passed, not at the end"


async def test_variables_nested_past_the_limit_are_400_not_500(gw: Gateway) -> None:
    # The body's own object and `variables` are two levels of their own.
    at_limit = await post(gw, request(nested(MAX_DEPTH - 2)))
    over = await post(gw, request(nested(MAX_DEPTH - 1)))
    far = await post(gw, request(nested(900)))  # still under MAX_BYTES

    assert at_limit.status_code == 200
    assert "errors" not in at_limit.json()
    for refused in (over, far):
        assert refused.status_code == 400
        assert code_of(refused) == "JSON_TOO_DEEP"
        assert refused.json()["errors"][0]["extensions"]["limit"] == MAX_DEPTH


async def test_the_default_limits_refuse_the_reported_bodies() -> None:
    """The issue's 1,000-deep variables (was HTTP 500) and a 2 MB body, at the defaults."""
    async for gw in open_gateway(make_settings()):
        deep_answer = await post(gw, request(nested(1_000)))
        big_answer = await post(gw, request('"' + "a" * 2_000_000 + '"'))

        assert (deep_answer.status_code, code_of(deep_answer)) == (400, "JSON_TOO_DEEP")
        assert (big_answer.status_code, code_of(big_answer)) == (413, "PAYLOAD_TOO_LARGE")


async def test_a_get_request_is_bounded_the_same_way(gw: Gateway) -> None:
    def get(**params: str) -> Any:
        return gw.client.get("/graphql", params=params)

    def holding(text: str) -> str:
        return '{"x": ' + text + "}"

    fine = await get(query="{ __typename }", variables=holding(nested(3)))
    deep = await get(query="{ __typename }", variables=holding(nested(MAX_DEPTH)))
    deep_extensions = await get(query="{ __typename }", extensions=holding(nested(50)))
    long = await get(query="{ __typename " + " " * MAX_BYTES + "}")

    assert fine.status_code == 200
    assert fine.json() == {"data": {"__typename": "Query"}}
    assert (deep.status_code, code_of(deep)) == (400, "JSON_TOO_DEEP")
    assert (deep_extensions.status_code, code_of(deep_extensions)) == (400, "JSON_TOO_DEEP")
    assert (long.status_code, code_of(long)) == (413, "PAYLOAD_TOO_LARGE")


async def test_brackets_inside_strings_are_not_nesting(gw: Gateway) -> None:
    text = "[{" * 100 + '"' + "]}" * 50
    response = await post(gw, request(json.dumps(text)))

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
