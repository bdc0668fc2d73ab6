"""The compiled execution path answers exactly as the standard one (`schema.execution`).

Two `customer-gateway serve` processes, one per `EXECUTION__MODE`, both over one
`customer-gateway sandbox` (the same seeded records, read caches off so every answer
comes from it), get the same queries drawn by hypothesis-graphql from the live schema
(`tests/security/fuzzing.py`: real and hostile ids, `_entities` representations, JSON
values). Each pair of answers must be the same JSON: data, errors (messages, paths,
codes) and the nulls they propagate. Only queries: a mutation would change what the
second server finds. The rest of the suite runs under both paths too (`.ci/run`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.properties import against_a_server
from tests.security.fuzzing import known_ids, live_schema, reads
from tests.servers import gateway_client, start_sandbox

EXAMPLES = 150

LIST50 = """{ customers(first: 50) { nodes { id provider providerId version email givenName
  familyName displayName companyName phone nickname note birthday referenceId locale
  customerType enabled hasPassword metadata createdAt updatedAt
  addresses { id label line1 line2 city region postalCode country } } } }"""


@dataclass(frozen=True)
class Pair:
    """A gateway on each path, and the sandbox both read."""

    standard: httpx.Client
    compiled: httpx.Client
    sandbox_url: str


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    sandbox = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    try:
        with (
            gateway_client(
                tmp_path_factory.mktemp("standard"),
                EXECUTION__MODE="standard",
                SANDBOX_URL=sandbox.url,
                CACHE__ENABLED="false",
            ) as standard,
            gateway_client(
                tmp_path_factory.mktemp("compiled"),
                EXECUTION__MODE="compiled",
                SANDBOX_URL=sandbox.url,
                CACHE__ENABLED="false",
            ) as compiled,
        ):
            yield Pair(standard, compiled, sandbox.url)
    finally:
        sandbox.stop()


@pytest.fixture(scope="module")
def drawn(pair: Pair) -> st.SearchStrategy[str]:
    return reads(live_schema(pair.standard), known_ids(pair.standard))


def answers(pair: Pair, query: str) -> list[dict[str, Any]]:
    found = []
    for client in (pair.standard, pair.compiled):
        response = client.post("/graphql", json={"query": query})
        found.append({"status": response.status_code, "body": response.json()})
    return found


def test_a_list_of_every_plain_field_is_answered_alike(
    pair: Pair,
) -> None:
    standard, compiled = answers(pair, LIST50)
    assert standard == compiled
    assert "errors" not in standard["body"]
    assert len(standard["body"]["data"]["customers"]["nodes"]) == 50


def test_a_failing_provider_is_reported_alike(pair: Pair) -> None:
    """Partial failure: one provider down, its error and the others' records, twice."""
    faults = f"{pair.sandbox_url}/sandbox/clover/_faults"
    assert httpx.put(faults, json={"error_rate": 1.0, "error_status": 400}).status_code == 200
    try:
        standard, compiled = answers(pair, LIST50)
    finally:
        assert httpx.delete(faults).status_code == 204
    assert standard == compiled
    assert standard["body"]["errors"]
    assert standard["body"]["data"]["customers"]["nodes"]


@against_a_server(EXAMPLES)
@given(data=st.data())
def test_every_drawn_query_is_answered_alike(
    pair: Pair, drawn: st.SearchStrategy[str], data: st.DataObject
) -> None:
    query = data.draw(drawn, label="query")
    standard, compiled = answers(pair, query)
    assert standard == compiled, query
