"""Every series the Grafana dashboard queries is one `/metrics` serves, with its labels.

A dashboard over a renamed metric shows "No data" and looks like a quiet night, so
the test drives real traffic (a query over every provider, twice for cache hits, a
Square 429 that is retried, a query over a limit), then parses the exposition with
prometheus_client's parser and checks each selector and `by (...)` label of every
panel against it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Gateway, make_settings, open_gateway
from tests.ops.manifests import DASHBOARD, json_file

QUERY = "query Roster { customers(first: 8) { nodes { id provider email } } }"
TOO_MANY_ALIASES = "query Wide { a: __typename b: __typename c: __typename }"

SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}")
MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
GROUPING = re.compile(r"\bby\s*\(([^)]*)\)")
LABEL_VALUES = re.compile(r"label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*),")
SCRAPE_LABELS = {"job", "instance"}
"""Added by Prometheus at scrape time, not by the gateway."""


def expressions(node: Any) -> Iterator[str]:
    """Every PromQL expression of the dashboard: panel targets and template queries."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"expr", "definition"} and isinstance(value, str):
                yield value
            else:
                yield from expressions(value)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item)


async def scrape(gateway: Gateway) -> dict[str, set[str]]:
    """Sample name -> the label names it carries, from `/metrics`."""
    response = await gateway.client.get("/metrics")
    assert response.status_code == 200
    labels: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels.setdefault(sample.name, set()).update(sample.labels)
    return labels


async def traffic(gateway: Gateway) -> None:
    await gateway.data(QUERY)
    await gateway.data(QUERY)
    await gateway.set_faults("square", error_rate=1.0, error_status=429)
    try:
        body = await gateway.gql("query Again { customers(first: 3) { nodes { id } } }")
    finally:
        await gateway.clear_faults("square")
    assert body.get("errors"), "the 429s should surface as a partial answer"
    rejected = await gateway.gql(TOO_MANY_ALIASES)
    assert rejected.get("errors")


async def test_every_metric_the_dashboard_queries_is_served() -> None:
    queries = list(expressions(json_file(DASHBOARD)))
    assert len(queries) > 20
    async for gateway in open_gateway(make_settings(limits={"max_aliases": 2})):
        await traffic(gateway)
        served = await scrape(gateway)
    checked: set[str] = set()
    for query in queries:
        selectors = SELECTOR.findall(query) + [(n, "") for n in LABEL_VALUES.findall(query)]
        assert selectors, f"no metric found in {query}"
        names = {name for name, _ in selectors}
        assert names <= served.keys(), f"{names - served.keys()} not in /metrics: {query}"
        carried = set().union(*(served[name] for name in names)) | SCRAPE_LABELS
        for _, matchers in selectors:
            assert set(MATCHER.findall(matchers)) <= carried, query
        for grouping in GROUPING.findall(query):
            assert {label.strip() for label in grouping.split(",")} <= carried, query
        checked |= names
    assert {
        "gateway_graphql_operations_total",
        "gateway_upstream_request_duration_seconds_bucket",
        "gateway_upstream_retries_total",
        "gateway_limit_rejections_total",
        "gateway_cache_hits_total",
    } <= checked
