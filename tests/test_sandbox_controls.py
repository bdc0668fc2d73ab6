"""The sandbox control surface: request counters and fault injection."""

from __future__ import annotations

from sandboxes.square.app import DEMO_ACCESS_TOKEN
from tests.conftest import Gateway
from tests.contract.test_customers import READ, create
from tests.providers.square.case import CASE as SQUARE


async def test_stats_count_by_route_template_and_reset(gateway: Gateway) -> None:
    created = await create(gateway, SQUARE)
    await gateway.reset_stats()
    assert (await gateway.stats())["square"] == {"total": 0, "routes": {}}
    await gateway.data(READ, id=created["id"])
    routes = (await gateway.stats())["square"]["routes"]
    assert routes["POST /v2/customers/bulk-retrieve"] == 1
    for _ in range(2):
        direct = await gateway.client.get(
            f"/sandbox/square/v2/customers/{created['providerId']}",
            headers={"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"},
        )
        assert direct.status_code == 200
    routes = (await gateway.stats())["square"]["routes"]
    assert routes["GET /v2/customers/{customer_id}"] == 2


async def test_faults_can_be_read_set_and_cleared(gateway: Gateway) -> None:
    assert (await gateway.client.get("/sandbox/square/_faults")).json() == {
        "latency_ms": 0,
        "error_rate": 0.0,
        "error_status": 503,
        "hang": False,
        "kind": "status",
        "retry_after_s": None,
        "routes": [],
        "times": None,
        "oversize_bytes": 12_000_000,
        "drip_interval_ms": 200,
    }
    await gateway.set_faults("square", error_rate=1.0, error_status=502)
    assert (await gateway.client.get("/sandbox/square/_faults")).json()["error_status"] == 502
    faulty = await gateway.client.get("/sandbox/square/v2/locations")
    assert faulty.status_code == 502
    await gateway.clear_faults("square")
    assert (await gateway.client.get("/sandbox/square/_faults")).json()["error_rate"] == 0.0


async def test_invalid_fault_settings_are_refused(gateway: Gateway) -> None:
    response = await gateway.client.put("/sandbox/square/_faults", json={"error_rate": 2})
    assert response.status_code == 422


async def test_faults_settable_at_startup() -> None:
    from tests.conftest import make_settings, open_gateway

    settings = make_settings(
        sandbox={"faults": {"square": {"error_rate": 1.0, "error_status": 500}}}
    )
    async for gw in open_gateway(settings):
        body = await gw.gql("{ customers(first: 1) { nodes { id } } }")
        assert body["errors"][0]["extensions"] == {
            "code": "PROVIDER_UNAVAILABLE",
            "provider": "SQUARE",
        }
