"""The circuit breaker per provider account: closed, open, half-open, closed again.

Driven through the public API against the sandboxes, with the sandbox counters as
the witness that an open circuit costs no upstream call.
"""

from __future__ import annotations

import asyncio
from typing import Any

from gateway import ids
from gateway.model import CustomerRef, ProviderName
from tests.conftest import Gateway, make_settings, open_gateway
from tests.ops.test_metrics import scrape, value

LIST = "{ customers(first: 5) { nodes { provider email } } }"
CIRCUIT = """{ providers { provider
  circuit { state consecutiveFailures failureThreshold retryAfter } } }"""
OPEN_S = 0.4


def settings(**square: Any) -> Any:
    return make_settings(
        cache={"enabled": False},
        square={"breaker": {"failures": 2, "open_s": OPEN_S}, **square},
    )


async def circuit(gw: Gateway, provider: str = "SQUARE") -> dict[str, Any] | None:
    statuses = (await gw.data(CIRCUIT))["providers"]
    found: dict[str, Any] | None = next(s["circuit"] for s in statuses if s["provider"] == provider)
    return found


async def reached(gw: Gateway, provider: str) -> None:
    """Until the sandbox has counted a request to `provider` (the probe is in flight)."""
    for _ in range(500):
        if await gw.calls(provider):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"no request reached {provider}")


async def state_of(gw: Gateway) -> dict[str, Any]:
    found = await circuit(gw)
    assert found is not None
    return found


def square_errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in body.get("errors", []) if e["extensions"].get("provider") == "SQUARE"]


async def wait_until_due(gw: Gateway) -> None:
    """Sleep out the open period the gateway reports (not a timing assertion)."""
    state = await circuit(gw)
    assert state is not None
    await asyncio.sleep(state["retryAfter"] + 0.05)


async def test_failures_open_the_circuit_and_it_then_costs_no_upstream_call() -> None:
    async for gw in open_gateway(settings()):
        assert await circuit(gw) == {
            "state": "CLOSED",
            "consecutiveFailures": 0,
            "failureThreshold": 2,
            "retryAfter": 0.0,
        }
        await gw.set_faults("square", error_rate=1.0, error_status=500)
        for failures in (1, 2):
            body = await gw.gql(LIST)
            assert [e["extensions"]["code"] for e in square_errors(body)] == [
                "PROVIDER_UNAVAILABLE"
            ]
            if failures == 1:
                assert (await state_of(gw))["consecutiveFailures"] == 1
        opened = await state_of(gw)
        assert opened["state"] == "OPEN"
        assert 0 < opened["retryAfter"] <= OPEN_S

        await gw.reset_stats()
        body = await gw.gql(LIST)
        (error,) = square_errors(body)
        assert error["extensions"]["code"] == "PROVIDER_UNAVAILABLE"
        assert 0 < error["extensions"]["retryAfter"] <= OPEN_S
        assert await gw.calls("square") == 0
        others = {n["provider"] for n in body["data"]["customers"]["nodes"]}
        assert others  # the other providers still answer
        assert "SQUARE" not in others

        samples = await scrape(gw)
        assert value(samples, "gateway_provider_circuit_state", provider="square") == 2
        opened_total = value(
            samples, "gateway_provider_circuit_transitions_total", provider="square", state="open"
        )
        assert opened_total == 1


async def test_a_successful_probe_closes_it_and_a_failed_one_opens_it_again() -> None:
    async for gw in open_gateway(settings()):
        await gw.set_faults("square", error_rate=1.0, error_status=500)
        for _ in range(2):
            await gw.gql(LIST)
        assert (await state_of(gw))["state"] == "OPEN"

        await wait_until_due(gw)
        await gw.reset_stats()
        body = await gw.gql(LIST)  # the probe, still failing
        assert square_errors(body)
        assert await gw.calls("square") == 1
        assert (await state_of(gw))["state"] == "OPEN"

        await gw.clear_faults("square")
        await wait_until_due(gw)
        await gw.reset_stats()
        body = await gw.gql(LIST)
        assert not square_errors(body)
        assert await gw.calls("square") == 1
        assert await circuit(gw) == {
            "state": "CLOSED",
            "consecutiveFailures": 0,
            "failureThreshold": 2,
            "retryAfter": 0.0,
        }
        samples = await scrape(gw)
        assert value(samples, "gateway_provider_circuit_state", provider="square") == 0
        for state, times in (("open", 2), ("half_open", 2), ("closed", 1)):
            assert (
                value(
                    samples,
                    "gateway_provider_circuit_transitions_total",
                    provider="square",
                    state=state,
                )
                == times
            )


async def test_half_open_lets_one_probe_through_and_refuses_the_rest() -> None:
    async for gw in open_gateway(settings()):
        await gw.set_faults("square", error_rate=1.0, error_status=500)
        for _ in range(2):
            await gw.gql(LIST)
        await gw.set_faults("square", latency_ms=300)
        await wait_until_due(gw)
        await gw.reset_stats()
        probe = asyncio.create_task(gw.gql(LIST))
        await reached(gw, "square")
        assert (await state_of(gw))["state"] == "HALF_OPEN"
        refused = await gw.gql(LIST)
        assert [e["extensions"]["code"] for e in square_errors(refused)] == ["PROVIDER_UNAVAILABLE"]
        assert not square_errors(await probe)
        assert await gw.calls("square") == 1
        assert (await state_of(gw))["state"] == "CLOSED"


async def test_refusals_of_the_input_do_not_count_against_the_provider() -> None:
    async for gw in open_gateway(settings()):
        unknown = _unknown_square_id()
        for _ in range(3):
            found = await gw.data("query($id: ID!) { customer(id: $id) { id } }", id=unknown)
            assert found["customer"] is None
        assert (await state_of(gw))["state"] == "CLOSED"


async def test_a_success_resets_the_count_of_consecutive_failures() -> None:
    async for gw in open_gateway(settings()):
        await gw.set_faults("square", error_rate=1.0, error_status=500)
        await gw.gql(LIST)
        await gw.clear_faults("square")
        await gw.data(LIST)
        await gw.set_faults("square", error_rate=1.0, error_status=500)
        await gw.gql(LIST)
        assert await circuit(gw) == {
            "state": "CLOSED",
            "consecutiveFailures": 1,
            "failureThreshold": 2,
            "retryAfter": 0.0,
        }


async def test_with_the_breaker_disabled_every_request_tries_the_provider() -> None:
    async for gw in open_gateway(settings(breaker={"enabled": False})):
        await gw.set_faults("square", error_rate=1.0, error_status=500)
        for _ in range(3):
            await gw.gql(LIST)
        await gw.reset_stats()
        await gw.gql(LIST)
        assert await gw.calls("square") == 1
        assert await circuit(gw) is None


def _unknown_square_id() -> str:
    """A well-formed global id of a Square customer that does not exist."""
    return ids.customer_id(CustomerRef(ProviderName.SQUARE, "NOSUCHCUSTOMER0000"))
