"""Operations drawn from the live schema, and what every answer to them must satisfy.

hypothesis-graphql draws queries and mutations that pass schema validation, with
argument values from the whole input space. Ids are half real (customers and orders
the sandboxes hold, so mutations reach real records) and half hostile; `_Any`
representations, `JSON` and `DateTime` values mix well-formed and malformed ones.
Every answer must come without a 5xx, without `INTERNAL`, with a code on every error
and within the request deadline (plus a margin: a hang guard, not a speed claim).

The suite runs a bounded number of examples (`test_fuzz.py`); `bench/fuzz.py` runs the
same strategy for thousands and prints the counts.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import graphql
import httpx
from hypothesis import strategies as st
from hypothesis_graphql import from_schema, nodes, queries

DEADLINE_MARGIN_S = 5.0
"""Time allowed past the gateway's request deadline before an answer counts as late."""

HOSTILE_TEXT = st.sampled_from(
    [
        "",
        "..",
        "../../x",
        "%2e%2e%2f",
        "a/b",
        "a?b=c",
        "a#b",
        "%00",
        "\x00",
        "\x1f\x7f",
        "é日本",
        "x" * 10_000,
        "Q3VzdG9tZXIfc3F1YXJlH3gvLi4vdmljdGlt",
    ]
)

ITEMS = """{ customers(first: 40) { nodes { id orders(first: 2) { nodes { id } } } } }"""


def known_ids(client: httpx.Client) -> list[str]:
    """Ids of customers and orders the gateway serves now: fuzzed mutations hit real records."""
    body = client.post("/graphql", json={"query": ITEMS}).json()
    customers = body["data"]["customers"]["nodes"]
    return [c["id"] for c in customers] + [o["id"] for c in customers for o in c["orders"]["nodes"]]


def _json_value() -> st.SearchStrategy[graphql.ValueNode]:
    leaves: st.SearchStrategy[graphql.ValueNode] = st.one_of(
        st.text(max_size=20).map(nodes.String),
        st.integers(-(2**31), 2**31 - 1).map(nodes.Int),
        st.booleans().map(lambda b: graphql.BooleanValueNode(value=b)),
        st.just(graphql.NullValueNode()),
    )
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4).map(nodes.List),
            st.dictionaries(
                st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,10}\Z"), children, max_size=4
            ).map(_object),
        ),
        max_leaves=12,
    )


def _object(fields: dict[str, graphql.ValueNode]) -> graphql.ObjectValueNode:
    return nodes.Object(
        [
            graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v)
            for k, v in fields.items()
        ]
    )


def _representation(ids: st.SearchStrategy[str]) -> st.SearchStrategy[graphql.ValueNode]:
    typename: st.SearchStrategy[graphql.ValueNode] = st.sampled_from(
        ["Customer", "Order", "Nope", ""]
    ).map(nodes.String)
    id_value: st.SearchStrategy[graphql.ValueNode] = st.one_of(ids.map(nodes.String), _json_value())
    return st.one_of(
        st.fixed_dictionaries({"__typename": typename, "id": id_value}).map(_object),
        st.fixed_dictionaries({"__typename": typename}).map(_object),
        _json_value(),
    )


def _datetime() -> st.SearchStrategy[graphql.ValueNode]:
    aware = st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
    naive = st.datetimes().map(lambda d: d.isoformat())
    return st.one_of(aware, naive, HOSTILE_TEXT).map(nodes.String)


def live_schema(client: httpx.Client) -> graphql.GraphQLSchema:
    """The schema as the running gateway introspects it (federation fields included)."""
    body = client.post("/graphql", json={"query": graphql.get_introspection_query()}).json()
    return graphql.build_client_schema(body["data"])


def _scalars(real_ids: Sequence[str]) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    ids = st.one_of(st.sampled_from(list(real_ids)), HOSTILE_TEXT, st.text(max_size=40))
    return {
        "ID": ids.map(nodes.String),
        "_Any": _representation(ids),
        "JSON": _json_value(),
        "DateTime": _datetime(),
    }


def operations(schema: graphql.GraphQLSchema, real_ids: Sequence[str]) -> st.SearchStrategy[str]:
    """Queries and mutations over every root field of the live schema."""
    return from_schema(schema, custom_scalars=_scalars(real_ids))


def reads(schema: graphql.GraphQLSchema, real_ids: Sequence[str]) -> st.SearchStrategy[str]:
    """Queries only: no answer changes what the sandboxes hold for the next one."""
    return queries(schema, custom_scalars=_scalars(real_ids))


@dataclass
class Tally:
    """What the fuzzed answers were: counts for the bench, the first problems for the test."""

    deadline_s: float
    operations: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    by_code: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    """The first few, verbatim, for a failing test to show."""
    answers_with_problems: int = 0
    slowest_s: float = 0.0

    def send(self, client: httpx.Client, query: str) -> list[str]:
        """Send one operation; answer what is wrong with its answer (nothing, ideally)."""
        started = time.monotonic()
        response = client.post("/graphql", json={"query": query})
        elapsed = time.monotonic() - started
        self.operations += 1
        self.by_status[response.status_code] += 1
        self.slowest_s = max(self.slowest_s, elapsed)
        found = self._judge(response, elapsed)
        if found:
            self.answers_with_problems += 1
            self.problems += found[: max(0, 20 - len(self.problems))]
        return found

    def _judge(self, response: httpx.Response, elapsed: float) -> list[str]:
        found = []
        if response.status_code >= 500:
            found.append(f"HTTP {response.status_code}")
        if elapsed > self.deadline_s + DEADLINE_MARGIN_S:
            found.append(f"answered after {elapsed:.1f}s")
        try:
            body: Any = response.json()
        except json.JSONDecodeError:
            return [*found, f"HTTP {response.status_code} answered no JSON"]
        errors = body.get("errors") if isinstance(body, dict) else None
        for error in errors or []:
            code = (error.get("extensions") or {}).get("code")
            self.by_code[str(code)] += 1
            if code is None:
                found.append(f"error without a code: {error.get('message')!r}")
            elif code == "INTERNAL":
                found.append(f"INTERNAL at {error.get('path')}")
        return found

    def summary(self) -> dict[str, Any]:
        return {
            "operations": self.operations,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "by_code": dict(self.by_code.most_common()),
            "answers_with_problems": self.answers_with_problems,
            "slowest_s": round(self.slowest_s, 3),
        }
