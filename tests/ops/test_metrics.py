"""`/metrics` read as Prometheus reads it (prometheus_client's parser), against what the
sandboxes counted: every upstream call the sandboxes served shows under its route
template, every operation under its name, type and outcome."""

from __future__ import annotations

import base64
import re
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from gateway.contract import RetrySettings
from tests.cache.conftest import READ, seeded_id
from tests.conftest import Gateway, make_settings, open_gateway
from tests.servers import start_serve

Labels = frozenset[tuple[str, str]]
Samples = dict[tuple[str, Labels], float]

FEW = "query FewCustomers { customers(first: 3) { nodes { id email } } }"
SLOT = re.compile(r"\{[^}]*\}")


def parse(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def exposition(response: httpx.Response) -> Samples:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(response.text)


async def scrape(gw: Gateway) -> Samples:
    return exposition(await gw.client.get("/metrics"))


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def upstream_counts(before: Samples, after: Samples) -> Counter[tuple[str, str]]:
    """(provider, "METHOD route") -> requests sent between the two scrapes."""
    counts: Counter[tuple[str, str]] = Counter()
    for (name, labels), total in after.items():
        if name == "gateway_upstream_requests_total":
            found = dict(labels)
            sent = total - before.get((name, labels), 0.0)
            counts[(found["provider"], f"{found['method']} {found['route']}")] += int(sent)
    return +counts


def sandbox_counts(stats: dict[str, Any]) -> Counter[tuple[str, str]]:
    """The sandboxes' per-route counts, their `{mId}`-style slots written as `{}`."""
    counts: Counter[tuple[str, str]] = Counter()
    for provider, seen in stats.items():
        for route, n in seen["routes"].items():
            counts[(provider, SLOT.sub("{}", route))] += n
    return +counts


async def test_a_known_query_counts_as_the_sandboxes_counted_it() -> None:
    async for gw in open_gateway(make_settings(cache={"enabled": False})):
        before = await scrape(gw)
        await gw.reset_stats()
        await gw.data(FEW)
        stats = await gw.stats()
        after = await scrape(gw)

        assert upstream_counts(before, after) == sandbox_counts(stats)
        assert {p for p, _ in sandbox_counts(stats)} == set(stats)  # all four were asked
        labels = {"operation": "FewCustomers", "type": "query"}
        assert value(after, "gateway_graphql_operations_total", outcome="ok", **labels) == 1
        count = "gateway_graphql_operation_duration_seconds_count"
        assert value(after, count, **labels) == 1
        assert value(after, "gateway_graphql_operation_duration_seconds_sum", **labels) > 0
        le_inf = value(
            after, "gateway_graphql_operation_duration_seconds_bucket", le="+Inf", **labels
        )
        assert le_inf == 1
        for provider in stats:
            assert value(after, "gateway_upstream_in_flight_requests", provider=provider) == 0
        assert any(name == "process_cpu_seconds_total" for name, _ in after)
        assert any(name == "python_gc_collections_total" for name, _ in after)


async def test_routes_are_templates_and_no_query_text_is_a_label() -> None:
    async for gw in open_gateway(make_settings(cache={"enabled": False})):
        customer_id = await seeded_id(gw, "ELASTIC_PATH")
        native_id = base64.b64decode(customer_id).decode().split("\x1f")[-1]
        await gw.data(READ, id=customer_id)
        text = (await gw.client.get("/metrics")).text
        for secret in (customer_id, native_id, "query($id: ID!)", "customers(first"):
            assert secret not in text
        samples = parse(text)
        routes = {
            dict(labels)["route"]
            for name, labels in samples
            if name == "gateway_upstream_requests_total"
        }
        assert {"/v2/customers/{}", "/v2/customers/{}/addresses"} <= routes
        read = {"operation": "anonymous", "type": "query", "outcome": "ok"}
        assert value(samples, "gateway_graphql_operations_total", **read) == 2  # seed + read


async def test_outcomes_and_limit_rejections_are_counted_by_code() -> None:
    limits = {"max_query_depth": 3, "max_body_bytes": 4096}
    async for gw in open_gateway(make_settings(cache={"enabled": False}, limits=limits)):
        await gw.gql("{ customers(first: 1) { nodes { id } ")
        await gw.gql('mutation Drop { deleteCustomer(input: {id: "bad"}) { deletedId } }')
        deep = "query Deep { customers(first: 1) { nodes { sameAs { addresses { id } } } } }"
        assert (await gw.gql(deep))["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        big = await gw.client.post("/graphql", json={"query": "{ __typename }" + " " * 5000})
        assert big.status_code == 413
        samples = await scrape(gw)

        ops = "gateway_graphql_operations_total"
        parse_failed = {"operation": "anonymous", "type": "unknown"}
        assert value(samples, ops, outcome="GRAPHQL_PARSE_FAILED", **parse_failed) == 1
        bad_input = {"operation": "Drop", "type": "mutation", "outcome": "BAD_USER_INPUT"}
        assert value(samples, ops, **bad_input) == 1
        assert value(samples, ops, operation="Deep", type="query", outcome="QUERY_TOO_COMPLEX") == 1
        rejections = "gateway_limit_rejections_total"
        assert value(samples, rejections, code="QUERY_TOO_COMPLEX") == 1
        assert value(samples, rejections, code="PAYLOAD_TOO_LARGE") == 1
        assert value(samples, rejections, code="BAD_USER_INPUT") == 0


async def test_cache_hits_show_and_cost_no_upstream_request() -> None:
    async for gw in open_gateway(make_settings()):
        customer_id = await seeded_id(gw, "CLOVER")
        await gw.data(READ, id=customer_id)
        before = await scrape(gw)
        await gw.reset_stats()
        await gw.data(READ, id=customer_id)
        after = await scrape(gw)

        assert sandbox_counts(await gw.stats()) == Counter()
        assert upstream_counts(before, after) == Counter()
        hits = "gateway_cache_hits_total"
        clover = {"provider": "clover", "kind": "customer"}
        assert value(after, hits, **clover) - value(before, hits, **clover) == 1
        assert value(after, "gateway_cache_misses_total", **clover) == 1


async def test_429s_and_their_retries_are_counted() -> None:
    async for gw in open_gateway(make_settings(cache={"enabled": False})):
        await gw.set_faults("square", error_rate=1.0, error_status=429)
        await gw.reset_stats()
        body = await gw.gql(FEW)
        assert any(e["extensions"]["code"] == "RATE_LIMITED" for e in body["errors"])
        sent = (await gw.stats())["square"]["total"]
        samples = await scrape(gw)

        assert sent == RetrySettings().attempts  # the retry policy's tries, the first included
        square = {"provider": "square"}
        assert value(samples, "gateway_upstream_rate_limited_responses_total", **square) == sent
        retried = {"reason": "ProviderRateLimited"}
        assert value(samples, "gateway_upstream_retries_total", **square, **retried) == sent - 1
        search = {"method": "POST", "route": "/v2/customers/search", "status": "429"}
        assert value(samples, "gateway_upstream_requests_total", **square, **search) == sent
        assert value(samples, "gateway_limit_rejections_total", code="RATE_LIMITED") == 0


async def test_two_apps_in_one_process_count_apart() -> None:
    async for first in open_gateway(make_settings(cache={"enabled": False})):
        async for second in open_gateway(make_settings(cache={"enabled": False})):
            await first.data(FEW)
            ops = "gateway_graphql_operations_total"
            labels = {"operation": "FewCustomers", "type": "query", "outcome": "ok"}
            assert value(await scrape(first), ops, **labels) == 1
            assert value(await scrape(second), ops, **labels) == 0


def test_workers_sum_their_counts_in_one_scrape(tmp_path: Path) -> None:
    """`serve --workers 2`: each request on a new connection, so both workers answer
    some; any scrape, by either worker, shows them all. A previous run's files in the
    directory (here one a collector could not read) are cleared first."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    (shared / "counter_999999.db").write_bytes(b"not a metrics file")
    server = start_serve(tmp_path, {"PROMETHEUS_MULTIPROC_DIR": str(shared)}, "--workers", "2")
    try:
        requests = 8
        for _ in range(requests):
            with httpx.Client(base_url=server.url, timeout=60.0) as http:
                answer = http.post("/graphql", json={"query": FEW})
                assert answer.status_code == 200
                assert "errors" not in answer.json()
        labels = {"operation": "FewCustomers", "type": "query", "outcome": "ok"}
        for _ in range(3):
            with httpx.Client(base_url=server.url, timeout=60.0) as http:
                samples = exposition(http.get("/metrics"))
            assert value(samples, "gateway_graphql_operations_total", **labels) == requests
            assert not any(name == "process_cpu_seconds_total" for name, _ in samples)
        assert len(list(shared.glob("counter_*.db"))) == 2  # one file per worker
    finally:
        server.stop()


async def test_a_client_over_its_rate_limit_counts_as_a_limit_rejection() -> None:
    budget = {"requests": 1, "cost": 1_000_000, "window_s": 3600}
    rate_limits = {"enabled": True, "anonymous": budget}
    async for gw in open_gateway(make_settings(cache={"enabled": False}, rate_limits=rate_limits)):
        await gw.data(FEW)
        for _ in range(2):
            refused = await gw.client.post("/graphql", json={"query": FEW})
            assert refused.status_code == 429
        samples = await scrape(gw)

        assert value(samples, "gateway_limit_rejections_total", code="RATE_LIMITED") == 2
        ops = "gateway_graphql_operations_total"
        assert value(samples, ops, operation="FewCustomers", type="query", outcome="ok") == 1
        limited = {"operation": "anonymous", "type": "unknown", "outcome": "RATE_LIMITED"}
        assert value(samples, ops, **limited) == 2  # refused before its document was read
