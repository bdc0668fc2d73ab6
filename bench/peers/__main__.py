"""Side by side with GraphQL Mesh: the same Square sandbox, the same data, one load client.

One `customer-gateway sandbox` process serves Square to both sides: GraphQL Mesh
(`@graphql-mesh/compose-cli` + `@omnigraph/openapi` over Square's official OpenAPI
spec, served by Hive Gateway; bench/peers/mesh/) and `customer-gateway serve` with
only Square enabled, twice: cache off ("cold") and cache on, warmed before timing
("warm", TTLs long enough to outlast the run). Mesh has no cache: its one run stands
for both. Per scenario (bench/peers/scenarios.py) and injected latency, rounds
interleave the three sides, each round `--clients` keep-alive connections for
`--seconds`. Per side: requests/s, p50, p99, the server process's CPU per request
(/proc/<pid>/stat), and Square sandbox calls per request (`/sandbox/_stats`, reset
before each run). Ends with one JSON line of our throughput over Mesh's.
Prints figures only; asserts nothing.
Run: .venv/bin/python -m bench.peers [--quick] [--rounds 3] [--seconds 4] [--clients 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from bench.common import Served, gateway_process, percentile, sandbox_server
from bench.peers.load import Tally, Target, drive
from bench.peers.mesh import mesh_server
from bench.peers.scenarios import SCENARIOS, Customers, Scenario, differences
from bench.soak import cpu_s
from gateway.model import ProviderName
from gateway.providers.square.settings import SANDBOX_ACCESS_TOKEN

SIDES = ("mesh", "cold", "warm")
LABELS = {
    "mesh": "GraphQL Mesh (Hive Gateway)",
    "cold": "customer-gateway, cache off",
    "warm": "customer-gateway, cache warm",
}
LONG_TTL = "3600"
SQUARE_ONLY = {
    f"{p.value.upper()}__ENABLED": "false" for p in ProviderName if p is not ProviderName.SQUARE
}
CACHE_ENV = {
    "cold": {"CACHE__ENABLED": "false"},
    "warm": {
        "CACHE__ENABLED": "true",
        **{
            f"CACHE__{kind}_TTL_S": LONG_TTL
            for kind in ("CUSTOMER", "ADDRESSES", "PAYMENT_SOURCES", "SEARCH")
        },
    },
}
IDS = """query($after: String) {
  customers(first: 100, after: $after, filter: {providers: [SQUARE]}) {
    nodes { id providerId } pageInfo { hasNextPage endCursor }
  }
}"""


@dataclass
class Totals:
    """One side's runs of one scenario at one latency, added up over the rounds."""

    requests: int = 0
    failed: int = 0
    seconds: float = 0.0
    cpu_s: float = 0.0
    upstream: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    def add(self, tally: Tally, cpu: float, upstream: int) -> None:
        self.requests += tally.requests
        self.failed += tally.failed
        self.seconds += tally.seconds
        self.cpu_s += cpu
        self.upstream += upstream
        self.latencies_ms.extend(tally.latencies_ms)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_s / self.requests

    def row(self, side: str) -> str:
        p50 = percentile(self.latencies_ms, 50)
        p99 = percentile(self.latencies_ms, 99)
        return (
            f"  {LABELS[side]:<30}{self.rps:>9.1f}{p50:>9.1f}{p99:>9.1f}{self.cpu_ms:>12.2f}"
            f"{self.upstream / self.requests:>14.2f}{self.failed:>8}"
        )


@dataclass
class Peers:
    """The running servers and what the scenarios need of them."""

    sandbox: str
    servers: dict[str, Served]
    control: httpx.AsyncClient
    clients: int

    def url(self, side: str) -> str:
        served = self.servers[side]
        return served.url if side == "mesh" else f"{served.url}/graphql"

    async def customers(self) -> Customers:
        """Every Square customer by both ids (from our cold side) and the card holders."""
        global_ids, square_ids, after = [], [], None
        while True:
            answer = await self.control.post(
                self.url("cold"), json={"query": IDS, "variables": {"after": after}}
            )
            page = answer.json()["data"]["customers"]
            global_ids += [node["id"] for node in page["nodes"]]
            square_ids += [node["providerId"] for node in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        holders: set[str] = set()
        cursor: str | None = None
        while True:
            answer = await self.control.get(
                f"{self.sandbox}/sandbox/square/v2/cards",
                params={"cursor": cursor} if cursor else None,
                headers={"Authorization": f"Bearer {SANDBOX_ACCESS_TOKEN}"},
            )
            body = answer.json()
            holders.update(card["customer_id"] for card in body.get("cards") or [])
            if not (cursor := body.get("cursor")):
                break
        return Customers(global_ids, square_ids, frozenset(holders))

    async def set_latency(self, latency_ms: int) -> None:
        faults = f"{self.sandbox}/sandbox/square/_faults"
        if latency_ms:
            (await self.control.put(faults, json={"latency_ms": latency_ms})).raise_for_status()
        else:
            (await self.control.delete(faults)).raise_for_status()

    async def measure(self, side: str, target: Target, seconds: float) -> tuple[Tally, float, int]:
        """One timed run: its tally, the server's CPU seconds, Square sandbox calls."""
        (await self.control.post(f"{self.sandbox}/sandbox/_stats/reset")).raise_for_status()
        pid = self.servers[side].pid
        before = cpu_s(pid)
        tally = await drive(target, self.clients, seconds=seconds)
        cpu = cpu_s(pid) - before
        stats = (await self.control.get(f"{self.sandbox}/sandbox/_stats")).json()
        return tally, cpu, int(stats["square"]["total"])

    async def same_data(self, customers: Customers) -> None:
        """Scenario (a) once on each side: the same customers, field for field."""
        ours, mesh = SCENARIOS[0].payloads(customers)
        answers = [
            (await self.control.post(self.url(side), json=payload[0])).json()
            for side, payload in (("cold", ours), ("mesh", mesh))
        ]
        try:
            found = differences(*answers)
        except (KeyError, TypeError):
            found = ["an answer without the expected data (errors?)"]
        if found:
            print("WARNING: the two sides answer scenario (a) differently:")
            for line in found:
                print(f"  {line}")
        else:
            print("Scenario (a): both sides answer the same 50 customers, field for field.")


async def run_scenario(
    peers: Peers, scenario: Scenario, customers: Customers, args: argparse.Namespace
) -> dict[int, dict[str, Totals]]:
    """Warm every side up, then interleaved rounds at each latency."""
    ours, mesh = scenario.payloads(customers)
    targets = {side: Target(peers.url(side), mesh if side == "mesh" else ours) for side in SIDES}
    await peers.set_latency(0)
    for side in SIDES:  # fills the warm side's cache; JIT and pools for the others
        await drive(targets[side], peers.clients, total=max(len(ours), 5 * peers.clients))
    results: dict[int, dict[str, Totals]] = {}
    for latency_ms in args.latencies:
        await peers.set_latency(latency_ms)
        totals = {side: Totals() for side in SIDES}
        for n in range(args.rounds):
            for side in SIDES[n % len(SIDES) :] + SIDES[: n % len(SIDES)]:
                totals[side].add(*await peers.measure(side, targets[side], args.seconds))
        results[latency_ms] = totals
        report(scenario, latency_ms, totals)
    await peers.set_latency(0)
    return results


def report(scenario: Scenario, latency_ms: int, totals: dict[str, Totals]) -> None:
    print(f"\n{scenario.title}, Square latency {latency_ms} ms")
    print(
        f"  {'side':<30}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>12}"
        f"{'upstream/req':>14}{'failed':>8}"
    )
    for side in SIDES:
        print(totals[side].row(side))
    mesh = totals["mesh"]
    print(
        "  ours / Mesh: throughput "
        + ", ".join(f"{c} x{totals[c].rps / mesh.rps:.2f}" for c in ("cold", "warm"))
        + "; CPU per request "
        + ", ".join(f"{c} x{totals[c].cpu_ms / mesh.cpu_ms:.2f}" for c in ("cold", "warm"))
    )


def ratios(
    results: dict[str, dict[int, dict[str, Totals]]], latencies: Sequence[int]
) -> dict[str, float]:
    """Our throughput over Mesh's: the six keys at the first latency, then the rest."""
    out: dict[str, float] = {}
    for suffix, latency_ms in [("", latencies[0])] + [(f"_{n}ms", n) for n in latencies[1:]]:
        for cache in ("warm", "cold"):
            for name, by_latency in results.items():
                totals = by_latency[latency_ms]
                out[f"{name}_{cache}{suffix}"] = round(totals[cache].rps / totals["mesh"].rps, 3)
    return out


async def run(args: argparse.Namespace) -> None:
    print(
        f"bench.peers: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
        f"{args.clients} clients, {args.rounds} rounds x {args.seconds} s per side, "
        f"latency {', '.join(map(str, args.latencies))} ms"
    )
    with contextlib.ExitStack() as stack:
        sandbox = stack.enter_context(sandbox_server())
        servers = {
            side: stack.enter_context(
                gateway_process(SANDBOX_URL=sandbox, **SQUARE_ONLY, **CACHE_ENV[side])
            )
            for side in ("cold", "warm")
        }
        servers["mesh"] = stack.enter_context(mesh_server(f"{sandbox}/sandbox/square"))
        async with httpx.AsyncClient(timeout=30) as control:
            peers = Peers(sandbox, servers, control, args.clients)
            customers = await peers.customers()
            await peers.same_data(customers)
            results = {
                scenario.name: await run_scenario(peers, scenario, customers, args)
                for scenario in SCENARIOS
            }
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    print(json.dumps(ratios(results, args.latencies)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 short rounds, latency 0 only")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0, help="per side and round")
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()
    args.latencies = (0, 20)
    if args.quick:
        args.rounds, args.seconds, args.latencies = 2, 1.5, (0,)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
