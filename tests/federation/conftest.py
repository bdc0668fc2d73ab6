"""Our gateway served for real, the loyalty subgraph, and an Apollo gateway over both.

Everything runs on loopback ports for the whole package of tests: starting node and
the gateway once keeps the suite quick, and every test resets the sandbox counters
it reads. The cache is off so that upstream call counts measure the loaders alone.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from itertools import chain, zip_longest
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.model import ProviderName
from schema.schema import sdl
from tests.servers import node_executable, require_node_modules, start_gateway, start_node

FEDERATION = Path(__file__).parent
MEMBERS = 50


class Graph:
    """A GraphQL endpoint over HTTP: ours, or the Apollo gateway's."""

    def __init__(self, url: str) -> None:
        self.url = url

    def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(self.url, json={"query": query, "variables": variables}, timeout=60.0)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, **variables: Any) -> dict[str, Any]:
        body = self.gql(query, **variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


class Gateway(Graph):
    """Our gateway, with the sandbox counters of its embedded sandboxes."""

    def __init__(self, base_url: str) -> None:
        super().__init__(f"{base_url}/graphql")
        self.base_url = base_url

    def calls(self) -> dict[str, int]:
        """Upstream calls per provider slug since the last reset."""
        stats = httpx.get(f"{self.base_url}/sandbox/_stats", timeout=10.0).json()
        return {slug: int(counts["total"]) for slug, counts in stats.items()}

    def reset_stats(self) -> None:
        response = httpx.post(f"{self.base_url}/sandbox/_stats/reset", timeout=10.0)
        assert response.status_code == 204

    def set_faults(self, provider_slug: str, **faults: Any) -> None:
        url = f"{self.base_url}/sandbox/{provider_slug}/_faults"
        response = httpx.put(url, json=faults, timeout=10.0)
        assert response.status_code == 200, response.text

    def enabled(self) -> list[str]:
        statuses = self.data("{ providers { provider enabled } }")["providers"]
        return [s["provider"] for s in statuses if s["enabled"]]


def composed_supergraph(workdir: Path) -> Path:
    """A supergraph of our exported SDL alone, composed beforehand as Rover does."""
    subgraph = workdir / "customers.graphql"
    subgraph.write_text(sdl())
    composed = subprocess.run(
        [node_executable(), str(FEDERATION / "compose.mjs"), f"customers={subgraph}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert composed.returncode == 0, composed.stderr
    supergraph = workdir / "supergraph.graphql"
    supergraph.write_text(composed.stdout)
    return supergraph


def slug(provider: str) -> str:
    """The sandbox counters' key for a GraphQL Provider value (SQUARE -> square)."""
    return ProviderName[provider].value


def loyalty_points(customer_id: str) -> int:
    """What loyalty.mjs answers for a customer: computed from the id alone."""
    return sum(ord(ch) for ch in customer_id) % 10000


BY_PROVIDER = """
query ($provider: Provider!, $first: Int!) {
  customers(filter: { providers: [$provider] }, first: $first) {
    nodes { id provider email }
  }
}
"""


def pick_customers(graph: Graph, providers: list[str], count: int) -> list[dict[str, Any]]:
    """`count` seeded customers, taken in turn from each provider so all are mixed."""
    per_provider = [
        graph.data(BY_PROVIDER, provider=p, first=count)["customers"]["nodes"] for p in providers
    ]
    mixed = [c for c in chain.from_iterable(zip_longest(*per_provider)) if c is not None]
    picked = mixed[:count]
    assert len(picked) == count, f"the sandboxes hold only {len(mixed)} customers"
    assert {c["provider"] for c in picked} == set(providers)
    return picked


@pytest.fixture(scope="package")
def node_modules() -> None:
    require_node_modules(FEDERATION, "@apollo/gateway")


@pytest.fixture(scope="package")
def ours(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    server = start_gateway(tmp_path_factory.mktemp("gateway"), CACHE__ENABLED="false")
    try:
        yield Gateway(server.url)
    finally:
        server.stop()


@pytest.fixture(scope="package")
def providers(ours: Gateway) -> list[str]:
    enabled = ours.enabled()
    assert enabled, "no provider is enabled"
    return enabled


@pytest.fixture(scope="package")
def members(ours: Gateway, providers: list[str]) -> list[dict[str, Any]]:
    """The loyalty programme's members: customers of every enabled provider."""
    return pick_customers(ours, providers, MEMBERS)


@pytest.fixture(scope="package")
def loyalty(
    node_modules: None, members: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("loyalty")
    roster = workdir / "members.json"
    roster.write_text(json.dumps([m["id"] for m in members]))
    server = start_node(FEDERATION / "loyalty.mjs", str(roster), workdir=workdir)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="package")
def supergraph(
    ours: Gateway, loyalty: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Graph]:
    """A real Apollo gateway composing both subgraphs with IntrospectAndCompose."""
    server = start_node(
        FEDERATION / "router.mjs",
        f"customers={ours.url}",
        f"loyalty={loyalty}",
        workdir=tmp_path_factory.mktemp("router"),
    )
    try:
        yield Graph(server.url)
    finally:
        server.stop()
