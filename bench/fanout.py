"""How close the fan-out comes to the floor its dependency depth allows.

Every sandbox answers after the same latency L. The query below needs two levels of
upstream calls (the merged listing, then every nested field of the page at once), so
no gateway can answer faster than 2 x L; this prints the wall time next to that floor.
Providers' own concurrency limits can raise the floor (Clover allows 5 requests in
flight per token): the "limits floor" counts the waves each provider's second level
needs at its configured in-flight bound. Runs are spaced so that each query starts
with Clover's per-second window clear; back to back, Clover's 16 requests/s would be
the figure measured instead.

By default the sandboxes run in-process (ASGI transport), so the figure measures the
gateway's own concurrency. `--sandbox-server` puts them behind a real socket in a
second process instead; on a 2-core machine that process's CPU then shows in the
figure too.
Run: .venv/bin/python -m bench.fanout [--latency-ms 50] [--runs 15] [--sandbox-server]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import statistics
import time
from typing import Any

import httpx

from bench.common import percentile, sandbox_server
from gateway.app import create_app
from gateway.config import CacheSettings, SandboxSettings, Settings
from gateway.model import ProviderName

QUERY = """{ customers(first: 50) { nodes {
  email addresses { city } paymentSources { last4 }
  orders(first: 5) { nodes { total { amount } } } sameAs { provider } } } }"""
LEVELS = 2


def settings_for(sandbox_url: str | None) -> Settings:
    relaxed = SandboxSettings(clover_rate_limit_per_s=10_000, clover_max_in_flight=1_000)
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        sandbox_url=sandbox_url,
        cache=CacheSettings(enabled=False),
        sandbox=relaxed,
    )


def in_flight(settings: Settings, slug: str) -> int:
    return settings.provider(ProviderName(slug)).max_in_flight


async def run(latency_ms: int, runs: int, use_server: bool, pause_s: float) -> None:
    with contextlib.ExitStack() as stack:
        sandbox_url = stack.enter_context(sandbox_server()) if use_server else None
        settings = settings_for(sandbox_url)
        app = create_app(settings)
        gw_transport = httpx.ASGITransport(app=app)
        sandbox_args: dict[str, Any] = (
            {"base_url": sandbox_url}
            if sandbox_url
            else {"transport": gw_transport, "base_url": "http://gw"}
        )
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=gw_transport, base_url="http://gw", timeout=60) as gw,
            httpx.AsyncClient(**sandbox_args) as sandbox,
        ):
            slugs = list((await sandbox.get("/sandbox/_stats")).json())
            warm = await gw.post("/graphql", json={"query": QUERY})
            assert "errors" not in warm.json(), warm.json().get("errors")
            for slug in slugs:
                await sandbox.put(f"/sandbox/{slug}/_faults", json={"latency_ms": latency_ms})
            await sandbox.post("/sandbox/_stats/reset")
            walls: list[float] = []
            for _ in range(runs):
                await asyncio.sleep(pause_s)
                started = time.perf_counter()
                response = await gw.post("/graphql", json={"query": QUERY})
                walls.append((time.perf_counter() - started) * 1000)
                assert "errors" not in response.json(), response.json().get("errors")
            calls = (await sandbox.get("/sandbox/_stats")).json()
            for slug in slugs:
                await sandbox.delete(f"/sandbox/{slug}/_faults")
    floor = LEVELS * latency_ms
    waves = {
        slug: math.ceil((calls[slug]["total"] // runs - 1) / in_flight(settings, slug))
        for slug in slugs
    }
    limits_floor = latency_ms * (1 + max(waves.values()))
    p50 = statistics.median(walls)
    where = "sandbox server process" if use_server else "in-process sandboxes"
    print(f"providers: {', '.join(slugs)}; {where}; latency L = {latency_ms} ms; runs = {runs}")
    print(
        "upstream calls per query: " + ", ".join(f"{s}={calls[s]['total'] // runs}" for s in slugs)
    )
    print(f"floor ({LEVELS} levels x L): {floor:.0f} ms")
    print(f"wall p50: {p50:.0f} ms  p90: {percentile(walls, 90):.0f} ms  max: {max(walls):.0f} ms")
    print(f"ratio p50/floor: {p50 / floor:.2f}  (target <= 1.2)")
    print(
        f"limits floor (second-level waves {waves}): {limits_floor:.0f} ms; "
        f"ratio p50/limits floor: {p50 / limits_floor:.2f}"
    )
    figures = {
        "latency_ms": latency_ms,
        "runs": runs,
        "calls_per_query": {s: calls[s]["total"] // runs for s in slugs},
        "p50_ms": round(p50, 1),
        "p90_ms": round(percentile(walls, 90), 1),
        "floor_ms": floor,
        "limits_floor_ms": limits_floor,
        "ratio_floor": round(p50 / floor, 2),
        "ratio_limits_floor": round(p50 / limits_floor, 2),
    }
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--sandbox-server", action="store_true")
    parser.add_argument("--pause-s", type=float, default=1.2, help="between runs")
    args = parser.parse_args()
    asyncio.run(run(max(1, args.latency_ms), args.runs, args.sandbox_server, args.pause_s))


if __name__ == "__main__":
    main()
