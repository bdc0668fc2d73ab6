"""The one retry policy, seen from outside: what is sent again, how often, and what a
write that may have committed answers.

Every count is the sandbox's own count of the requests it received, so a retry the
gateway makes shows as a second request on the same route.
"""

from __future__ import annotations

import uuid
from typing import Any

from gateway.contract import RetrySettings
from gateway.model import ProviderName
from gateway.ports import free_port
from tests.conftest import Gateway, make_settings, open_gateway
from tests.ops.test_metrics import scrape, value

TRIES = RetrySettings().attempts
SQUARE_LIST = "{ customers(first: 5, filter: {providers: [SQUARE]}) { nodes { id } } }"
LIST = "{ customers(first: 60) { nodes { provider } } }"
CREATE = """mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id email } userErrors { code } } }"""
FIND = """query($email: String!, $provider: Provider!) {
  customers(first: 5, filter: {email: $email, providers: [$provider]}) { nodes { id } } }"""
SEARCH = "POST /v2/customers/search"


def uncached(**overrides: Any) -> Any:
    breaker_off = {"breaker": {"enabled": False}}
    return make_settings(
        cache={"enabled": False}, square=breaker_off, clover=breaker_off, **overrides
    )


def codes(body: dict[str, Any], provider: str) -> list[str]:
    return [
        e["extensions"]["code"]
        for e in body.get("errors", [])
        if e["extensions"].get("provider") == provider
    ]


async def routes(gw: Gateway, provider: str) -> dict[str, int]:
    found: dict[str, int] = (await gw.stats())[provider]["routes"]
    return found


async def create(gw: Gateway, provider: str, email: str, key: str | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"provider": provider, "email": email, "givenName": "Retry"}
    if key is not None:
        fields["idempotencyKey"] = key
    return await gw.gql(CREATE, input=fields)


async def found(gw: Gateway, provider: str, email: str) -> int:
    nodes = (await gw.data(FIND, email=email, provider=provider))["customers"]["nodes"]
    return len(nodes)


async def test_a_read_is_sent_again_after_a_503_as_often_as_the_policy_allows() -> None:
    async for gw in open_gateway(uncached()):
        await gw.set_faults("square", error_rate=1.0, error_status=503)
        await gw.reset_stats()
        body = await gw.gql(LIST)
        assert codes(body, "SQUARE") == ["PROVIDER_UNAVAILABLE"]
        assert await routes(gw, "square") == {SEARCH: TRIES}
        others = {p.name for p in ProviderName} - {"SQUARE"}
        assert {n["provider"] for n in body["data"]["customers"]["nodes"]} == others
        samples = await scrape(gw)
        retried = {"provider": "square", "reason": "ProviderUnavailable"}
        assert value(samples, "gateway_upstream_retries_total", **retried) == TRIES - 1


async def test_a_500_is_not_sent_again() -> None:
    async for gw in open_gateway(uncached()):
        await gw.set_faults("square", error_rate=1.0, error_status=500)
        await gw.reset_stats()
        assert codes(await gw.gql(SQUARE_LIST), "SQUARE") == ["PROVIDER_UNAVAILABLE"]
        assert await routes(gw, "square") == {SEARCH: 1}


async def test_a_write_without_a_key_is_sent_once_and_its_outcome_is_unknown() -> None:
    async for gw in open_gateway(uncached()):
        email = f"once-{uuid.uuid4().hex[:8]}@example.com"
        await gw.set_faults("clover", error_rate=1.0, error_status=503)
        await gw.reset_stats()
        body = await create(gw, "CLOVER", email)
        assert body["data"] is None
        assert codes(body, "CLOVER") == ["PROVIDER_OUTCOME_UNKNOWN"]
        assert "Read the record back" in body["errors"][0]["message"]
        posts = {r: n for r, n in (await routes(gw, "clover")).items() if r.startswith("POST")}
        assert list(posts.values()) == [1]
        await gw.clear_faults("clover")
        assert await found(gw, "CLOVER", email) == 0  # the sandbox refused it before storing


async def test_a_keyed_square_create_is_sent_again_and_square_applies_it_once() -> None:
    async for gw in open_gateway(uncached()):
        email = f"keyed-{uuid.uuid4().hex[:8]}@example.com"
        await gw.set_faults("square", error_rate=1.0, error_status=503)
        await gw.reset_stats()
        body = await create(gw, "SQUARE", email, key=uuid.uuid4().hex)
        assert codes(body, "SQUARE") == ["PROVIDER_OUTCOME_UNKNOWN"]
        assert (await routes(gw, "square"))["POST /v2/customers"] == TRIES


async def test_a_429_is_sent_again_even_for_a_write_since_nothing_was_done() -> None:
    async for gw in open_gateway(uncached()):
        await gw.set_faults("clover", error_rate=1.0, error_status=429)
        await gw.reset_stats()
        body = await create(gw, "CLOVER", f"limited-{uuid.uuid4().hex[:8]}@example.com")
        assert codes(body, "CLOVER") == ["RATE_LIMITED"]
        posts = {r: n for r, n in (await routes(gw, "clover")).items() if r.startswith("POST")}
        assert list(posts.values()) == [TRIES]


async def test_the_request_retry_budget_bounds_retries() -> None:
    async for gw in open_gateway(uncached(limits={"max_upstream_retries": 0})):
        await gw.set_faults("square", error_rate=1.0, error_status=503)
        await gw.reset_stats()
        assert codes(await gw.gql(SQUARE_LIST), "SQUARE") == ["PROVIDER_UNAVAILABLE"]
        assert await routes(gw, "square") == {SEARCH: 1}


async def test_a_refused_connection_is_retried_even_for_a_write_and_is_no_unknown_outcome() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    square = {"access_token": "EAAA-test", "base_url": closed, "breaker": {"enabled": False}}
    demo = make_settings(gateway_mode="demo", cache={"enabled": False}, square=square)
    async for gw in open_gateway(demo):
        body = await create(gw, "SQUARE", "nobody@example.com")
        assert codes(body, "SQUARE") == ["PROVIDER_UNAVAILABLE"]
        samples = await scrape(gw)
        retried = {"provider": "square", "reason": "ProviderUnreachable"}
        assert value(samples, "gateway_upstream_retries_total", **retried) == TRIES - 1


async def test_a_read_that_fails_once_is_answered_by_its_retry() -> None:
    async for gw in open_gateway(uncached()):
        await gw.set_faults("square", error_status=503, times=1)
        await gw.reset_stats()
        body = await gw.gql(SQUARE_LIST)
        assert "errors" not in body
        assert body["data"]["customers"]["nodes"]
        assert await routes(gw, "square") == {SEARCH: 2}


async def test_a_dropped_connection_on_a_read_is_retried() -> None:
    async for gw in open_gateway(uncached()):
        await gw.set_faults("square", kind="reset", times=1)
        await gw.reset_stats()
        body = await gw.gql(SQUARE_LIST)
        assert "errors" not in body
        assert await routes(gw, "square") == {SEARCH: 2}


async def test_a_dropped_connection_on_a_write_is_an_unknown_outcome_and_not_resent() -> None:
    async for gw in open_gateway(uncached()):
        email = f"dropped-{uuid.uuid4().hex[:8]}@example.com"
        await gw.set_faults(
            "clover", kind="reset", error_rate=1.0, routes=["POST /v3/merchants/{mId}/customers"]
        )
        await gw.reset_stats()
        body = await create(gw, "CLOVER", email)
        assert codes(body, "CLOVER") == ["PROVIDER_OUTCOME_UNKNOWN"]
        posts = {r: n for r, n in (await routes(gw, "clover")).items() if r.startswith("POST")}
        assert list(posts.values()) == [1]
        await gw.clear_faults("clover")
        assert await found(gw, "CLOVER", email) == 1  # it had committed: reading back tells


async def test_a_keyed_square_create_that_failed_once_is_applied_once() -> None:
    async for gw in open_gateway(uncached()):
        email = f"once-keyed-{uuid.uuid4().hex[:8]}@example.com"
        await gw.set_faults("square", kind="reset", routes=["POST /v2/customers"], times=1)
        await gw.reset_stats()
        body = await create(gw, "SQUARE", email, key=uuid.uuid4().hex)
        assert "errors" not in body
        assert (await routes(gw, "square"))["POST /v2/customers"] == 2
        assert await found(gw, "SQUARE", email) == 1


async def test_a_retry_after_longer_than_the_policy_waits_is_answered_at_once() -> None:
    async for gw in open_gateway(uncached()):
        await gw.set_faults("square", error_status=429, error_rate=1.0, retry_after_s=30)
        await gw.reset_stats()
        body = await gw.gql(SQUARE_LIST)
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert error["extensions"]["retryAfter"] == 30
        assert await routes(gw, "square") == {SEARCH: 1}


async def test_no_retry_waits_past_the_request_deadline() -> None:
    async for gw in open_gateway(uncached(limits={"deadline_s": 1.0})):
        await gw.set_faults("square", error_status=429, error_rate=1.0, retry_after_s=1.5)
        await gw.reset_stats()
        assert codes(await gw.gql(SQUARE_LIST), "SQUARE") == ["RATE_LIMITED"]
        assert await routes(gw, "square") == {SEARCH: 1}
