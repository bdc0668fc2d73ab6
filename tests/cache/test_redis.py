"""One Redis behind several gateways: replicas share entries, accounts never do.

Real processes where the point is several processes: the sandbox server and the
gateway replicas run as `customer-gateway sandbox` and `customer-gateway serve`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandboxes.square.app import DEMO_ACCESS_TOKEN
from tests.cache.conftest import (
    READ,
    UPDATE,
    SandboxServer,
    redis_keys,
    seeded_id,
)
from tests.conftest import REDIS_URL, Gateway, make_settings, open_gateway
from tests.contract.cases import CASES, ProviderCase
from tests.servers import start_gateway, start_sandbox

pytestmark = pytest.mark.redis


def by_email(case: ProviderCase) -> str:
    return f"""query($filter: CustomerFilter) {{
      customers(first: 1, filter: $filter) {{ nodes {{ id email {case.text_field} }} }}
    }}"""


@asynccontextmanager
async def client(url: str) -> AsyncIterator[Gateway]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield Gateway(http)


async def test_a_write_through_one_replica_shows_at_once_on_the_other(
    tmp_path: Path, redis_prefixes: Callable[[], str]
) -> None:
    sandbox = SandboxServer(start_sandbox(tmp_path / "sandbox"))
    env = {
        "SANDBOX_URL": sandbox.url,
        "CACHE__URL": REDIS_URL,
        "CACHE__KEY_PREFIX": redis_prefixes(),
    }
    servers = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            servers.append(start_gateway(tmp_path / name, **env))
        async with client(servers[0].url) as a, client(servers[1].url) as b:
            for case in CASES:
                await replicas_agree(a, b, sandbox, case)
    finally:
        for server in [*servers, sandbox.server]:
            server.stop()


async def replicas_agree(
    a: Gateway, b: Gateway, sandbox: SandboxServer, case: ProviderCase
) -> None:
    text = case.text_field
    customer_id = await seeded_id(b, case.provider)
    first = (await b.data(READ, id=customer_id))["customer"]
    email_filter = {"providers": [case.provider], "email": first["email"]}
    [listed] = (await b.data(by_email(case), filter=email_filter))["customers"]["nodes"]
    assert listed[text] == first[text]

    await sandbox.reset()
    assert (await a.data(READ, id=customer_id))["customer"] == first
    assert await sandbox.calls() == 0, f"{case.slug}: A reads what B stored"

    written = f"written through A ({case.slug})"
    payload = (await a.data(UPDATE, input={"id": customer_id, text: written}))["updateCustomer"]
    assert payload["userErrors"] == []
    assert payload["customer"][text] == written

    assert (await b.data(READ, id=customer_id))["customer"][text] == written
    [listed] = (await b.data(by_email(case), filter=email_filter))["customers"]["nodes"]
    assert listed[text] == written

    await sandbox.reset()
    assert (await b.data(READ, id=customer_id))["customer"][text] == written
    assert await sandbox.calls() == 0, f"{case.slug}: the new state is cached again"


async def test_accounts_sharing_one_redis_never_see_each_other(
    tmp_path: Path, redis_prefixes: Callable[[], str]
) -> None:
    prefix = redis_prefixes()
    sandboxes = [SandboxServer(start_sandbox(tmp_path / name)) for name in ("one", "two")]
    try:
        gateways = [
            open_gateway(
                make_settings(sandbox_url=s.url, cache={"url": REDIS_URL, "key_prefix": prefix})
            )
            for s in sandboxes
        ]
        a, b = [await anext(g) for g in gateways]
        try:
            emails = [await apart(a, b, sandboxes[1], case) for case in CASES]
        finally:
            for g in gateways:
                await g.aclose()
    finally:
        for s in sandboxes:
            s.server.stop()

    keys = redis_keys(prefix)
    namespaces = {key.split(":")[1] for key in keys}
    assert len(namespaces) == 2 * len(CASES), "one namespace per account and provider"
    for key in keys:
        assert DEMO_ACCESS_TOKEN not in key
        assert not any(email in key for email in emails), "no PII in keys either"


async def apart(a: Gateway, b: Gateway, sandbox_b: SandboxServer, case: ProviderCase) -> Any:
    """Write in account A; account B, same ids, same Redis, still reads its own record.

    B reads only after A has cached the new state: were the accounts' keys shared,
    B's first read would be a hit on A's entry.
    """
    text = case.text_field
    customer_id = await seeded_id(a, case.provider)
    assert await seeded_id(b, case.provider) == customer_id, "same seed, same ids"
    only_a = f"only in account A ({case.slug})"
    payload = (await a.data(UPDATE, input={"id": customer_id, text: only_a}))["updateCustomer"]
    assert payload["userErrors"] == []
    assert (await a.data(READ, id=customer_id))["customer"][text] == only_a

    await sandbox_b.reset()
    seen_by_b = (await b.data(READ, id=customer_id))["customer"]
    assert seen_by_b[text] != only_a
    assert await sandbox_b.calls() > 0, "B fetched its own record"
    await sandbox_b.reset()
    assert (await b.data(READ, id=customer_id))["customer"] == seen_by_b
    assert await sandbox_b.calls() == 0, "B's own entries are cached"
    assert (await a.data(READ, id=customer_id))["customer"][text] == only_a
    return seen_by_b["email"]
