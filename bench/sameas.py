"""What `sameAs` adds to a warm `customer(id)`, and how many provider latencies a read by
id with its cards takes (issue 16, items 4 and 5).

  warm    one client asks `customer(id)` for `--ids` customers over and over, the
          in-memory cache warm, with and without `sameAs`: the ms per request (the
          gateway, sandboxes and client share one process, so it is CPU) and what
          sameAs adds, in %. The target is at most 20 %.
  cards   `customer(id) { paymentSources }` on Square, cache off, every sandbox
          answering after `--latency-ms`: p50 in provider latencies (1.0: the record
          and its cards are read together; 2.0: one after the other).

Prints figures, then one JSON line of them; asserts nothing.
Run: .venv/bin/python -m bench.sameas [--requests 300] [--ids 20] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx

from bench.cache import customer_ids, settings_for
from bench.common import percentile
from gateway.app import create_app
from gateway.ids import decode_customer
from gateway.model import ProviderName

RECORD = "id version email givenName familyName phone"
QUERIES = {
    "without sameAs": f"query($id: ID!) {{ customer(id: $id) {{ {RECORD} }} }}",
    "with sameAs": f"query($id: ID!) {{ customer(id: $id) {{ {RECORD} sameAs {{ id }} }} }}",
}
CARDS = "query($id: ID!) { customer(id: $id) { id paymentSources { id last4 } } }"


async def timed(gw: httpx.AsyncClient, query: str, ids: list[str], requests: int) -> list[float]:
    """Milliseconds per request, one request at a time, cycling over `ids`."""
    spent = []
    for n in range(requests):
        started = time.perf_counter()
        response = await gw.post(
            "/graphql", json={"query": query, "variables": {"id": ids[n % len(ids)]}}
        )
        spent.append((time.perf_counter() - started) * 1000)
        assert "errors" not in response.json(), response.text
    return spent


async def warm(ids: list[str], args: argparse.Namespace) -> dict[str, float]:
    app = create_app(settings_for({}, 0))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as gw,
    ):
        for query in QUERIES.values():
            await timed(gw, query, ids, len(ids))  # the cache warm, the indexes built
        await gw.post("/sandbox/_stats/reset")
        found = {}
        for name, query in QUERIES.items():
            found[name] = percentile(await timed(gw, query, ids, args.requests), 50)
        upstream = sum(int(s["total"]) for s in (await gw.get("/sandbox/_stats")).json().values())
    print(f"warm customer(id), {args.requests} requests over {len(ids)} customers, one client:")
    for name, ms in found.items():
        print(f"  {name:<16} p50 {ms:7.2f} ms")
    added = found["with sameAs"] / found["without sameAs"] - 1
    print(f"  sameAs adds {added:+.0%}; upstream calls while warm: {upstream}")
    return found


async def cards(square_ids: list[str], args: argparse.Namespace) -> float:
    app = create_app(settings_for({"enabled": False}, args.latency_ms))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gw", timeout=60
        ) as gw,
    ):
        spent = await timed(gw, CARDS, square_ids, min(args.requests, 50))
    levels: float = percentile(spent, 50) / args.latency_ms
    print(
        f"customer(id) {{ paymentSources }} on Square, cache off, {args.latency_ms} ms latency: "
        f"p50 {percentile(spent, 50):.1f} ms = {levels:.2f} provider latencies"
    )
    return levels


async def run(args: argparse.Namespace) -> None:
    ids = await customer_ids()
    found = await warm(ids[: args.ids], args)
    square = [i for i in ids if decode_customer(i).provider is ProviderName.SQUARE]
    levels = await cards(square[: args.ids], args)
    figures = {
        "without_same_as_ms": round(found["without sameAs"], 3),
        "with_same_as_ms": round(found["with sameAs"], 3),
        "same_as_adds": round(found["with sameAs"] / found["without sameAs"] - 1, 3),
        "cards_latencies": round(levels, 2),
    }
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--ids", type=int, default=20)
    parser.add_argument("--latency-ms", type=int, default=50)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
