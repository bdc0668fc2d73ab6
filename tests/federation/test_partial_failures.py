"""A provider outage is visible through Hive Gateway and through the Apollo gateway.

Both routers serve one supergraph of our exported SDL (compose.mjs) in front of a
gateway of ours, its own so that its outage touches no other test. With one
provider down, both answer the others' customers, list the down provider in
`missingProviders` (data, which no router filters) and keep its error at the
null `complete` path. Without `complete` selected the error has no path: the Apollo
gateway passes it on, Hive Gateway (graphql-tools' delegation) keeps a subgraph error
only where it can hang it on a null, so there the data is what tells the outage.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.federation.conftest import FEDERATION, Gateway, Graph, composed_supergraph, slug
from tests.servers import start_gateway, start_node

OUTAGE = """{ customers(first: 30) {
  nodes { id provider }
  missingProviders { provider code }
  complete
} }"""


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gateway, str]]:
    """Our gateway with its first enabled provider down, and that provider."""
    server = start_gateway(tmp_path_factory.mktemp("outage"), CACHE__ENABLED="false")
    try:
        gateway = Gateway(server.url)
        down = gateway.enabled()[0]
        gateway.set_faults(slug(down), error_rate=1.0, error_status=503)
        yield gateway, down
    finally:
        server.stop()


@pytest.fixture(scope="module", params=["hive.mjs", "router.mjs"], ids=["hive", "apollo"])
def router(
    request: pytest.FixtureRequest,
    node_modules: None,
    outage: tuple[Gateway, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Graph]:
    script: str = request.param
    workdir = tmp_path_factory.mktemp(script.removesuffix(".mjs"))
    supergraph = composed_supergraph(workdir)
    gateway, _ = outage
    server = start_node(
        FEDERATION / script,
        f"--supergraph={supergraph}",
        f"customers={gateway.url}",
        workdir=workdir,
    )
    try:
        yield Graph(server.url)
    finally:
        server.stop()


def test_the_outage_is_visible_through_the_router(
    router: Graph, outage: tuple[Gateway, str]
) -> None:
    gateway, down = outage
    body = router.gql(OUTAGE)

    connection = body["data"]["customers"]
    assert connection["nodes"]
    assert down not in {n["provider"] for n in connection["nodes"]}
    assert connection["missingProviders"] == [{"provider": down, "code": "PROVIDER_UNAVAILABLE"}]
    assert connection["complete"] is None
    [error] = body["errors"]
    assert error["path"] == ["customers", "complete"]
    assert {"code": "PROVIDER_UNAVAILABLE", "provider": down}.items() <= error["extensions"].items()
    assert body["data"] == gateway.gql(OUTAGE)["data"]


def test_without_complete_the_missing_provider_is_still_data(
    router: Graph, outage: tuple[Gateway, str]
) -> None:
    _, down = outage
    body = router.gql("{ customers(first: 3) { nodes { id } missingProviders { provider } } }")

    assert body["data"]["customers"]["missingProviders"] == [{"provider": down}]
