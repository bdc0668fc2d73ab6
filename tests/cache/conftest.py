"""What the cache tests share: queries, Redis prefixes they own, sandbox servers.

Every gateway a Redis test builds gets a key prefix of its own (`CACHE__KEY_PREFIX`),
and the test deletes exactly those keys afterwards: tests running at the same time
against the same Redis never see or flush each other's entries.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import redis

from tests.conftest import REDIS_URL, Gateway
from tests.servers import Server

FULL = """
  id provider version email givenName familyName displayName note phone
  addresses { id line1 city postalCode }
  paymentSources { id last4 isDefault }
  defaultPaymentSource { id }
  orders(first: 5) { nodes { id status total { amount currency } createdAt } }
  sameAs { id email }
"""
READ = f"query($id: ID!) {{ customer(id: $id) {{ {FULL} }} }}"
FIRST_OF = """query($filter: CustomerFilter) {
  customers(first: 1, filter: $filter) { nodes { id email note } }
}"""
UPDATE = f"""mutation($input: UpdateCustomerInput!) {{
  updateCustomer(input: $input) {{ customer {{ {FULL} }} userErrors {{ code field }} }}
}}"""


async def seeded_id(gw: Gateway, provider: str) -> str:
    nodes = (await gw.data(FIRST_OF, filter={"providers": [provider]}))["customers"]["nodes"]
    return str(nodes[0]["id"])


def total_calls(stats: dict[str, Any]) -> int:
    return sum(int(entry["total"]) for entry in stats.values())


@pytest.fixture
def redis_prefixes() -> Iterator[Callable[[], str]]:
    """A factory of fresh key prefixes; every key under them is deleted afterwards."""
    made: list[str] = []

    def fresh() -> str:
        made.append(f"cgtest-{uuid.uuid4().hex[:12]}")
        return made[-1]

    yield fresh
    if not made:
        return
    with redis.Redis.from_url(REDIS_URL) as client:
        for prefix in made:
            keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
            if keys:
                client.delete(*keys)


def redis_keys(prefix: str) -> list[str]:
    with redis.Redis.from_url(REDIS_URL) as client:
        return sorted(k.decode() for k in client.scan_iter(match=f"{prefix}:*", count=500))


class SandboxServer:
    """`customer-gateway sandbox` in a subprocess, and its control surface over HTTP."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.url = server.url

    async def stats(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.url) as http:
            stats: dict[str, Any] = (await http.get("/sandbox/_stats")).json()
        return stats

    async def calls(self) -> int:
        return total_calls(await self.stats())

    async def reset(self) -> None:
        async with httpx.AsyncClient(base_url=self.url) as http:
            assert (await http.post("/sandbox/_stats/reset")).status_code == 204
