"""Whether the gateway stays flat and contained over a long run with providers failing.

Drives `customer-gateway serve` (demo mode, embedded sandboxes, cache on) with a mixed
workload at a bounded rate for `--minutes`: open-loop pacing at `--rate` requests/s,
at most `--concurrency` in flight (a request due while that many are in flight is
shed, not delayed, and counted). About 80 % reads (`customers(first: 20)` with
addresses and payment sources, sometimes filtered by name; `customer(id)` with
addresses and payment sources; `node(id)`) and 20 % writes (`createCustomer` on a
rotating provider with an idempotency key, `updateCustomer` and `deleteCustomer` of
what the soak created).

Time is cut into windows of `--window-s` (at most a fifth of the run), alternately
calm (first and last) and with one provider faulted through the gateway's own
`/sandbox/<provider>/_faults` routes, rotating over the providers and the faults:
503 to half the requests, 429 (with `Retry-After`) to half, latency past the
provider's timeout, a hang; `--malformed` adds the sandboxes' malformed-answer kinds.
Each request is labelled with the window it was sent in, or "settling" when sent
within a provider timeout plus the circuit breaker's open time (plus a second) of a
fault's end, or sent calm and still in flight when the next fault began: calls a
faulted provider left hanging can still hold its in-flight slots then, and its
circuit can still be open.

An error counts against a provider when its `extensions.provider` names it; a
provider's error rate is the share of the requests involving it (a listing involves
every provider, anything else the provider of its id or input) whose answer carried
such an error (below the injected share where the cache answers or a retry succeeds;
above it where the circuit breaker opens). Prints the gateway's RSS (VmRSS, sampled
every 10 s) over time, error rates per provider and window label, latency p50/p99
overall and per phase kind, HTTP 5xx and uncoded errors (both should be 0), then the
figures as one JSON line.
Run: .venv/bin/python -m bench.soak [--minutes 30] [--rate 20] [--seed 1]
     [--window-s 60] [--concurrency 100] [--malformed]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import statistics
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import gateway_process, percentile
from gateway.config import Settings
from gateway.model import ProviderName

PROVIDERS = tuple(ProviderName)
RSS_EVERY_S = 10.0
MAX_CREATED = 30
"""Created customers the soak keeps at most; past it, a write deletes one."""
CLIENT_TIMEOUT_S = 30.0
MALFORMED_KINDS = (
    "wrong_shape",
    "empty_body",
    "html",
    "truncated_json",
    "wrong_content_type",
    "reset",
    "drip",
)
NAME_FILTERS = ("an", "ar", "el", "er", "in", "on")

LIST = """query($filter: CustomerFilter) { customers(first: 20, filter: $filter) {
  nodes { id provider email addresses { city } paymentSources { last4 } }
  pageInfo { hasNextPage } } }"""
PAGE = """query($after: String) { customers(first: 100, after: $after) {
  nodes { id provider } pageInfo { hasNextPage endCursor } } }"""
CUSTOMER = """query($id: ID!) { customer(id: $id) {
  id provider email displayName version
  addresses { line1 city } paymentSources { brand last4 } } }"""
NODE = """query($id: ID!) { node(id: $id) { id ... on Customer { provider email phone } } }"""
CREATE = """mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  customer { id provider } userErrors { field code } } }"""
UPDATE = """mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) {
  customer { id version } userErrors { field code } } }"""
DELETE = """mutation($input: DeleteCustomerInput!) { deleteCustomer(input: $input) {
  deletedId userErrors { field code } } }"""

NAMED = {ProviderName.SQUARE, ProviderName.CLOVER}
"""Providers that store given and family names; the others store a display name."""


@dataclass(frozen=True)
class Fault:
    """One way of failing a provider's sandbox: a name for the tables, the FaultSettings."""

    name: str
    settings: dict[str, Any]


def faults(timeout_s: float, malformed: bool) -> list[Fault]:
    """The rotation: statuses, slowness past the provider timeout, a hang, then malformed."""
    rotation = [
        Fault("503", {"error_rate": 0.5, "error_status": 503}),
        Fault("429", {"error_rate": 0.5, "error_status": 429}),
        Fault("slow", {"latency_ms": math.ceil(timeout_s * 1000) + 1000}),
        Fault("hang", {"hang": True}),
    ]
    if malformed:
        rotation += [Fault(kind, {"kind": kind, "error_rate": 0.5}) for kind in MALFORMED_KINDS]
    return rotation


@dataclass(frozen=True)
class Window:
    """A stretch of the run: calm, or one provider failing one way."""

    start_s: float
    end_s: float
    provider: ProviderName | None = None
    fault: Fault | None = None

    @property
    def label(self) -> str:
        if self.provider is None or self.fault is None:
            return "calm"
        return f"{self.provider.value}:{self.fault.name}"


def schedule(total_s: float, window_s: float, rotation: list[Fault]) -> list[Window]:
    """Calm and faulted windows alternately, calm last; each provider meets each fault in turn."""
    windows = []
    count = math.ceil(total_s / window_s)
    for n in range(count):
        start, end = n * window_s, min(total_s, (n + 1) * window_s)
        if n % 2 == 0 or n == count - 1:
            windows.append(Window(start, end))
            continue
        k = n // 2
        provider = PROVIDERS[(k + k // len(rotation)) % len(PROVIDERS)]
        fault = rotation[k % len(rotation)]
        windows.append(Window(start, end, provider, fault))
    return windows


@dataclass(frozen=True)
class Sample:
    """What one request met: when it was sent, whom it involved, whose errors it carried."""

    window: int
    settling: bool
    kind: str
    involved: frozenset[ProviderName]
    errors: tuple[tuple[ProviderName | None, str], ...]
    """Each coded error: the provider it names (None: none) and its code."""
    uncoded: int
    status: int | None
    latency_ms: float

    @property
    def failed(self) -> frozenset[ProviderName]:
        return frozenset(p for p, _ in self.errors if p is not None)

    @property
    def unattributed(self) -> tuple[str, ...]:
        return tuple(code for p, code in self.errors if p is None)


@dataclass(frozen=True)
class Request:
    """One operation to send, with the providers whose errors its answer may carry."""

    kind: str
    query: str
    variables: dict[str, Any]
    involved: frozenset[ProviderName]


@dataclass(frozen=True)
class Customer:
    """A customer the workload may read, update or delete."""

    id: str
    provider: ProviderName


def provider_named(name: object) -> ProviderName | None:
    """The provider an answer names (`SQUARE`), or None for anything else."""
    return ProviderName.__members__.get(name) if isinstance(name, str) else None


@dataclass
class Workload:
    """The seeded mix of reads and writes, and the customers it may read or change."""

    seed: int
    known: list[Customer]
    rng: random.Random = field(init=False)
    created: deque[Customer] = field(default_factory=deque)
    writes: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def next(self) -> Request:
        roll = self.rng.random()
        if roll < 0.3:
            name = self.rng.choice(NAME_FILTERS) if self.rng.random() < 0.5 else None
            variables = {"filter": {"name": name} if name else None}
            return Request("list", LIST, variables, frozenset(PROVIDERS))
        if roll < 0.8:
            customer = self._some_customer()
            query, kind = (CUSTOMER, "customer") if roll < 0.6 else (NODE, "node")
            return Request(kind, query, {"id": customer.id}, frozenset({customer.provider}))
        return self._write()

    def _some_customer(self) -> Customer:
        if self.created and self.rng.random() < 0.2:
            return self.rng.choice(self.created)
        return self.rng.choice(self.known)

    def _write(self) -> Request:
        self.writes += 1
        n = self.writes
        roll = self.rng.random()
        if not self.created or (len(self.created) < MAX_CREATED and roll < 0.4):
            provider = PROVIDERS[n % len(PROVIDERS)]
            new: dict[str, Any] = {
                "provider": provider.name,
                "email": f"soak.{self.seed}.{n}@example.com",
                "idempotencyKey": f"soak-{self.seed}-{n}",
            }
            if provider in NAMED:
                new |= {"givenName": "Soak", "familyName": f"Run{n}"}
            else:
                new["displayName"] = f"Soak Run{n}"
            return Request("create", CREATE, {"input": new}, frozenset({provider}))
        if roll < 0.7 and len(self.created) < MAX_CREATED:
            customer = self.rng.choice(self.created)
            text = "note" if customer.provider in NAMED else "displayName"
            change = {"id": customer.id, text: f"Soak update {n}"}
            return Request("update", UPDATE, {"input": change}, frozenset({customer.provider}))
        customer = self.created.popleft()
        return Request(
            "delete", DELETE, {"input": {"id": customer.id}}, frozenset({customer.provider})
        )

    def record(self, request: Request, data: dict[str, Any] | None) -> None:
        """Keep what a create made, for later updates and deletes."""
        if request.kind != "create" or not data:
            return
        customer = (data.get("createCustomer") or {}).get("customer") or {}
        provider = provider_named(customer.get("provider"))
        if provider is not None and isinstance(customer.get("id"), str):
            self.created.append(Customer(customer["id"], provider))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_s(pid: int) -> float:
    """User plus system CPU of the process so far (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Soak:
    """One run: paces the workload, moves the faults window by window, tallies answers."""

    client: httpx.AsyncClient
    control: httpx.AsyncClient
    workload: Workload
    windows: list[Window]
    settle_s: float
    rate: float
    concurrency: int
    pid: int
    samples: list[Sample] = field(default_factory=list)
    rss: list[tuple[float, float]] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    """The machine's 1-minute load average at each RSS sample: other work skews the run."""
    user_errors: Counter[str] = field(default_factory=Counter)
    shed: int = 0
    current: int = 0
    fault_ended: float = -math.inf
    started: float = 0.0

    def now(self) -> float:
        return time.monotonic() - self.started

    async def run(self) -> None:
        self.started = time.monotonic()
        self._sample()
        sampler = asyncio.create_task(self._keep_sampling())
        mover = asyncio.create_task(self._move_faults())
        in_flight: set[asyncio.Task[None]] = set()
        total_s = self.windows[-1].end_s
        for i in range(math.floor(total_s * self.rate)):
            await asyncio.sleep(max(0.0, i / self.rate - self.now()))
            request = self.workload.next()
            if len(in_flight) >= self.concurrency:
                self.shed += 1
                continue
            task = asyncio.create_task(self._send(request))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        await mover
        if in_flight:
            await asyncio.wait(in_flight)
        sampler.cancel()
        self._sample()

    async def _move_faults(self) -> None:
        for n, window in enumerate(self.windows):
            await asyncio.sleep(max(0.0, window.start_s - self.now()))
            previous = self.windows[n - 1] if n else None
            if previous is not None and previous.provider is not None:
                await self._set_fault(previous.provider, None)
                self.fault_ended = self.now()
            if window.provider is not None and window.fault is not None:
                await self._set_fault(window.provider, window.fault)
            self.current = n
            if previous is not None:
                self._report_window(n - 1)
        await asyncio.sleep(max(0.0, self.windows[-1].end_s - self.now()))
        if self.windows[-1].provider is not None:
            await self._set_fault(self.windows[-1].provider, None)
        self.current = len(self.windows)
        self._report_window(len(self.windows) - 1)

    async def _set_fault(self, provider: ProviderName, fault: Fault | None) -> None:
        path = f"/sandbox/{provider.value}/_faults"
        if fault is None:
            response = await self.control.delete(path)
        else:
            response = await self.control.put(path, json=fault.settings)
        if response.is_error:
            what = f"fault {fault.name}" if fault else "clearing its faults"
            hint = (
                "; --malformed needs the sandboxes' fault kinds"
                if fault and "kind" in fault.settings
                else ""
            )
            raise SystemExit(
                f"{provider.value}'s sandbox refused {what} (HTTP {response.status_code}){hint}"
            )

    def _report_window(self, n: int) -> None:
        window = self.windows[n]
        mine = [s for s in self.samples if s.window == n]
        errors = sum(1 for s in mine if has_error(s))
        rss = self.rss[-1][1]
        print(
            f"  {window.start_s / 60:5.1f}-{window.end_s / 60:5.1f} min {window.label:<20} "
            f"{len(mine):5d} answered, {errors:4d} with errors; RSS {rss:.0f} MB",
            flush=True,
        )

    async def _keep_sampling(self) -> None:
        while True:
            await asyncio.sleep(RSS_EVERY_S)
            self._sample()

    def _sample(self) -> None:
        self.rss.append((self.now(), rss_mb(self.pid)))
        self.load.append(os.getloadavg()[0])

    async def _send(self, request: Request) -> None:
        window = self.current
        sent = self.now()
        body = {"query": request.query, "variables": request.variables}
        status: int | None = None
        answer: Any = None
        try:
            response = await self.client.post("/graphql", json=body)
            status = response.status_code
            with contextlib.suppress(ValueError):
                answer = response.json()
        except httpx.HTTPError:
            pass
        latency_ms = (self.now() - sent) * 1000
        settling = sent - self.fault_ended < self.settle_s or (
            self.windows[window].provider is None
            and self.current not in {window, len(self.windows)}
        )
        coded: list[tuple[ProviderName | None, str]] = []
        uncoded = 0
        errors = answer.get("errors") if isinstance(answer, dict) else None
        for error in errors or []:
            extensions = error.get("extensions") or {}
            if code := extensions.get("code"):
                coded.append((provider_named(extensions.get("provider")), str(code)))
            else:
                uncoded += 1
        if not isinstance(answer, dict):
            coded.append((None, "NO_ANSWER" if status is None else "NOT_JSON"))
        data = answer.get("data") if isinstance(answer, dict) else None
        self._count_user_errors(data)
        self.workload.record(request, data)
        self.samples.append(
            Sample(
                window=window,
                settling=settling,
                kind=request.kind,
                involved=request.involved,
                errors=tuple(coded),
                uncoded=uncoded,
                status=status,
                latency_ms=latency_ms,
            )
        )

    def _count_user_errors(self, data: Any) -> None:
        if not isinstance(data, dict):
            return
        for payload in data.values():
            if isinstance(payload, dict) and "userErrors" in payload:
                for error in payload["userErrors"] or []:
                    self.user_errors[f"{error.get('code')}"] += 1


def phase(soak: Soak, sample: Sample) -> str:
    """calm, settling or fault: the phase kind a request was sent in."""
    if sample.settling:
        return "settling"
    return "calm" if soak.windows[sample.window].provider is None else "fault"


def share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def latencies(samples: list[Sample]) -> tuple[float, float]:
    values = [s.latency_ms for s in samples]
    if not values:
        return 0.0, 0.0
    return round(statistics.median(values), 1), round(percentile(values, 99), 1)


def has_error(sample: Sample) -> bool:
    return bool(sample.failed or sample.unattributed or sample.uncoded)


def by_label(soak: Soak) -> Iterator[tuple[str, list[Sample]]]:
    """Samples grouped by window label, settling ones apart, in order of first appearance."""
    groups: dict[str, list[Sample]] = {}
    for sample in soak.samples:
        label = "settling" if sample.settling else soak.windows[sample.window].label
        groups.setdefault(label, []).append(sample)
    yield from groups.items()


def report(soak: Soak, minutes: float, gateway_cpu: float, client_cpu: float) -> dict[str, Any]:
    samples = soak.samples
    print(f"\nRSS of the gateway process ({soak.pid}):")
    print("  minute  RSS MB")
    step = max(1, math.ceil(len(soak.rss) / 30))
    shown = soak.rss[::step] + ([soak.rss[-1]] if (len(soak.rss) - 1) % step else [])
    for at, mb in shown:
        print(f"  {at / 60:6.2f}  {mb:6.1f}")

    print("\nerror rate per provider (errors naming it / requests involving it), by window:")
    print(f"  {'window':<22}{'requests':>9}" + "".join(f"{p.value:>14}" for p in PROVIDERS))
    for label, group in by_label(soak):
        cells = []
        for provider in PROVIDERS:
            involving = [s for s in group if provider in s.involved]
            failing = sum(1 for s in involving if provider in s.failed)
            cells.append(f"{share(failing, len(involving)) * 100:13.1f}%")
        print(f"  {label:<22}{len(group):>9}" + "".join(cells))

    print("\nlatency by phase kind:")
    for kind in ("calm", "settling", "fault"):
        group = [s for s in samples if phase(soak, s) == kind]
        p50, p99 = latencies(group)
        errors = sum(1 for s in group if has_error(s))
        print(
            f"  {kind:<9} {len(group):6d} requests  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
            f"{share(errors, len(group)) * 100:5.1f} % with an error"
        )

    faulted = [s for s in samples if phase(soak, s) == "fault"]
    hit = [s for s in faulted if soak.windows[s.window].provider in s.involved]
    others = [(s, p) for s in faulted for p in s.involved if p != soak.windows[s.window].provider]
    calm = [s for s in samples if phase(soak, s) == "calm"]
    settling = [s for s in samples if phase(soak, s) == "settling"]
    statuses = Counter(s.status for s in samples)
    codes = Counter(
        (label, provider.value if provider else "-", code)
        for label, group in by_label(soak)
        for s in group
        for provider, code in s.errors
    )
    p50, p99 = latencies(samples)
    print(f"\nHTTP status: {dict(sorted(statuses.items(), key=str))}")
    print("errors by window, provider named (- for none) and code:")
    for (label, provider_slug, code), n in sorted(codes.items()):
        print(f"  {label:<22}{provider_slug:<14}{code:<28}{n:6d}")
    print(f"userErrors by code: {dict(soak.user_errors)}")
    print(f"shed (concurrency bound {soak.concurrency} reached): {soak.shed}")
    print(
        f"CPU over {soak.rss[-1][0]:.0f} s: gateway {gateway_cpu:.0f} s, this client "
        f"{client_cpu:.0f} s; machine load average up to {max(soak.load):.1f} "
        f"on {os.cpu_count()} cores"
    )
    return {
        "minutes": minutes,
        "requests": len(samples),
        "writes": sum(1 for s in samples if s.kind in {"create", "update", "delete"}),
        "shed": soak.shed,
        "rss_start_mb": round(soak.rss[0][1], 1),
        "rss_end_mb": round(soak.rss[-1][1], 1),
        "rss_max_mb": round(max(mb for _, mb in soak.rss), 1),
        "gateway_cpu_s": round(gateway_cpu, 1),
        "client_cpu_s": round(client_cpu, 1),
        "load_avg_max": round(max(soak.load), 2),
        "p50_ms": p50,
        "p99_ms": p99,
        "p99_calm_ms": latencies(calm)[1],
        "p99_fault_ms": latencies(faulted)[1],
        "http_5xx": sum(n for status, n in statuses.items() if status and status >= 500),
        "no_answer": statuses[None],
        "uncoded_errors": sum(s.uncoded for s in samples),
        "error_rate_calm": share(sum(1 for s in calm if has_error(s)), len(calm)),
        "error_rate_settling": share(sum(1 for s in settling if has_error(s)), len(settling)),
        "error_rate_faulted_provider": share(
            sum(1 for s in hit if soak.windows[s.window].provider in s.failed), len(hit)
        ),
        "error_rate_other_providers_in_fault": share(
            sum(1 for s, p in others if p in s.failed), len(others)
        ),
    }


async def known_customers(client: httpx.AsyncClient) -> list[Customer]:
    """Every seeded customer, paged through once before the clock starts."""
    found, after = [], None
    while True:
        response = await client.post(
            "/graphql", json={"query": PAGE, "variables": {"after": after}}
        )
        body = response.json()
        if body.get("errors"):
            raise SystemExit(f"listing the seeded customers failed: {body['errors']}")
        page = body["data"]["customers"]
        found += [Customer(node["id"], ProviderName[node["provider"]]) for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def settle_s(settings: Settings) -> float:
    """How long a fault outlives its window: calls left hanging, then an open circuit."""
    providers = [settings.provider(p) for p in PROVIDERS]
    return 1 + max(
        p.timeout_s + (p.breaker.open_s if p.breaker.enabled else 0.0) for p in providers
    )


async def run_soak(args: argparse.Namespace) -> None:
    settings = Settings()
    timeouts = {p: settings.provider(p).timeout_s for p in PROVIDERS}
    total_s = args.minutes * 60
    window_s = min(args.window_s, total_s / 5)
    rotation = faults(max(timeouts.values()), args.malformed)
    windows = schedule(total_s, window_s, rotation)
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=64)
    with gateway_process() as served:
        async with (
            httpx.AsyncClient(
                base_url=served.url, timeout=CLIENT_TIMEOUT_S, limits=limits
            ) as client,
            httpx.AsyncClient(base_url=served.url, timeout=CLIENT_TIMEOUT_S) as control,
        ):
            for provider in PROVIDERS:
                await control.delete(f"/sandbox/{provider.value}/_faults")
            workload = Workload(args.seed, await known_customers(client))
            settle = settle_s(settings)
            print(
                f"soak: {args.minutes} min at {args.rate} req/s, windows of {window_s:.0f} s, "
                f"settling {settle:.0f} s, {len(workload.known)} seeded customers, "
                f"gateway pid {served.pid}",
                flush=True,
            )
            run = Soak(
                client=client,
                control=control,
                workload=workload,
                windows=windows,
                settle_s=settle,
                rate=args.rate,
                concurrency=args.concurrency,
                pid=served.pid,
            )
            gateway_cpu, client_cpu = cpu_s(served.pid), time.process_time()
            await run.run()
            gateway_cpu = cpu_s(served.pid) - gateway_cpu
            client_cpu = time.process_time() - client_cpu
            figures = report(run, args.minutes, gateway_cpu, client_cpu)
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=20.0, help="requests/s, all kinds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--window-s", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=100, help="requests in flight")
    parser.add_argument(
        "--malformed", action="store_true", help="add the malformed-answer fault kinds"
    )
    args = parser.parse_args()
    asyncio.run(run_soak(args))


if __name__ == "__main__":
    main()
