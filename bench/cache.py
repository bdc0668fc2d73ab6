"""What the read cache buys: one customer with every nested field, cold versus warm.

Every sandbox answers after `--latency-ms` (fault injection), as a real provider
would. `--clients` concurrent clients send `customer(id)` with addresses, payment
sources, orders and sameAs for `--seconds` per scenario:

  no cache      caching switched off: every query pays every upstream call
  <backend> cold  each query asks for a customer nobody asked for yet (the
                  providers' list pages behind sameAs are shared, as in production)
  <backend> warm  the same customers again, all answered from the cache

for the in-memory backend and for Redis (`REDIS_URL`, default redis://127.0.0.1:6379;
skipped when unreachable). Gateway, sandboxes and clients share one process, so
the figures are this machine's CPU as much as the gateway's; the ratios matter.
Prints figures only; asserts nothing.
`--query record` leaves sameAs out: sameAs matches the customer against every
provider's whole listing in each request, CPU that no cache removes.
Run: .venv/bin/python -m bench.cache [--latency-ms 50] [--seconds 3] [--clients 10]
     [--query full|record]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import redis

from bench.common import percentile
from gateway.app import create_app
from gateway.config import CacheSettings, FaultSettings, SandboxSettings, Settings
from gateway.model import ProviderName

FIELDS = """
  id version email givenName familyName displayName phone note metadata createdAt
  addresses { id line1 city postalCode country }
  paymentSources { id brand last4 isDefault }
  defaultPaymentSource { id }
  orders(first: 10) { nodes { id status total { amount currency } createdAt } }
"""
SAME_AS = "sameAs { id provider email }"
QUERIES = {
    "full": f"query($id: ID!) {{ customer(id: $id) {{ {FIELDS} {SAME_AS} }} }}",
    "record": f"query($id: ID!) {{ customer(id: $id) {{ {FIELDS} }} }}",
}
LIST = """query($after: String) {
  customers(first: 100, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } }
}"""
RELAXED = {"clover_rate_limit_per_s": 10_000, "clover_max_in_flight": 1_000}


@dataclass(frozen=True)
class Figures:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    upstream_per_request: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def settings_for(cache: dict[str, Any], latency_ms: int) -> Settings:
    faults = {p.value: FaultSettings(latency_ms=latency_ms) for p in ProviderName}
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        cache=CacheSettings(**cache),
        sandbox=SandboxSettings(**RELAXED, faults=faults),
    )


async def customer_ids() -> list[str]:
    """Every seeded customer's id, from a gateway without latency or cache."""
    app = create_app(settings_for({"enabled": False}, 0))
    ids: list[str] = []
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as gw,
    ):
        after = None
        while True:
            page = await gw.post("/graphql", json={"query": LIST, "variables": {"after": after}})
            body = page.json()["data"]["customers"]
            ids += [n["id"] for n in body["nodes"]]
            if not body["pageInfo"]["hasNextPage"]:
                return ids
            after = body["pageInfo"]["endCursor"]


async def drive(
    gw: httpx.AsyncClient, name: str, ids: list[str], args: argparse.Namespace, *, cycle: bool
) -> Figures:
    """`clients` loops over `ids` until the time is up (or, unless `cycle`, ids run out)."""
    await gw.post("/sandbox/_stats/reset")
    latencies: list[float] = []
    errors = 0
    position = 0
    deadline = time.perf_counter() + args.seconds
    query = QUERIES[args.query]

    def next_id() -> str | None:
        nonlocal position
        if position >= len(ids) and not cycle:
            return None
        chosen = ids[position % len(ids)]
        position += 1
        return chosen

    async def client() -> None:
        nonlocal errors
        while time.perf_counter() < deadline and (customer_id := next_id()) is not None:
            started = time.perf_counter()
            response = await gw.post(
                "/graphql", json={"query": query, "variables": {"id": customer_id}}
            )
            latencies.append((time.perf_counter() - started) * 1000)
            errors += "errors" in response.json()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(args.clients)))
    elapsed = time.perf_counter() - started
    stats = (await gw.get("/sandbox/_stats")).json()
    upstream = sum(int(s["total"]) for s in stats.values())
    if errors:
        print(f"  ({name}: {errors} answers carried errors)")
    return Figures(
        name,
        len(latencies),
        elapsed,
        percentile(latencies, 50),
        percentile(latencies, 99),
        upstream / max(1, len(latencies)),
    )


async def scenario(
    label: str, cache: dict[str, Any], ids: list[str], args: argparse.Namespace
) -> list[Figures]:
    app = create_app(settings_for(cache, args.latency_ms))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gw", timeout=60
        ) as gw,
    ):
        # One query first, for a customer the scenarios reach last if ever: the
        # first request of a process pays one-off costs (tokens, locations, imports).
        warmup = {"query": QUERIES[args.query], "variables": {"id": ids[-1]}}
        await gw.post("/graphql", json=warmup)
        if not cache.get("enabled", True):
            return [await drive(gw, label, ids, args, cycle=True)]
        cold = await drive(gw, f"{label} cold", ids, args, cycle=False)
        seen = ids[: cold.requests]  # what the cold run asked for, in its order
        warm = await drive(gw, f"{label} warm", seen, args, cycle=True)
        return [cold, warm]


def redis_url() -> str | None:
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=1) as client:
            client.ping()
    except (redis.RedisError, OSError):
        return None
    return url


def forget(url: str, prefix: str) -> None:
    with redis.Redis.from_url(url) as client:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)


def report(rows: list[Figures], args: argparse.Namespace) -> None:
    nested = "addresses, paymentSources, orders" + (", sameAs" if args.query == "full" else "")
    print(
        f"customer(id) with {nested}; every sandbox answers after {args.latency_ms} ms; "
        f"{args.clients} clients; {args.seconds:g} s per scenario"
    )
    print(
        f"{'scenario':<14}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'upstream/req':>14}"
    )
    for r in rows:
        print(
            f"{r.name:<14}{r.requests:>9}{r.rps:>9.1f}{r.p50_ms:>9.1f}{r.p99_ms:>9.1f}"
            f"{r.upstream_per_request:>14.2f}"
        )
    by_name = {r.name: r for r in rows}
    for backend in ("memory", "redis"):
        cold, warm = by_name.get(f"{backend} cold"), by_name.get(f"{backend} warm")
        if cold and warm:
            print(
                f"{backend}: warm/cold req/s x{warm.rps / cold.rps:.1f}, "
                f"cold/warm p50 x{cold.p50_ms / warm.p50_ms:.1f}, "
                f"cold/warm p99 x{cold.p99_ms / warm.p99_ms:.1f}"
            )
    off, memory, remote = (by_name.get(n) for n in ("no cache", "memory warm", "redis warm"))
    if off and memory:
        print(f"memory warm vs no cache: req/s x{memory.rps / off.rps:.1f}")
    if memory and remote:
        print(
            f"redis warm vs memory warm: req/s x{remote.rps / memory.rps:.2f}, "
            f"p50 x{remote.p50_ms / memory.p50_ms:.2f}"
        )


async def run(args: argparse.Namespace) -> None:
    ids = await customer_ids()
    rows = await scenario("no cache", {"enabled": False}, ids, args)
    rows += await scenario("memory", {}, ids, args)
    url = redis_url()
    if url is None:
        print("redis: unreachable at REDIS_URL, skipped")
    else:
        prefix = f"cgbench-{uuid.uuid4().hex[:8]}"
        try:
            rows += await scenario("redis", {"url": url, "key_prefix": prefix}, ids, args)
        finally:
            forget(url, prefix)
    report(rows, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument(
        "--query",
        choices=sorted(QUERIES),
        default="full",
        help="full: every nested field, sameAs too; record: all but sameAs",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
