"""Provider x fault x operation: every failure stays that provider's, coded, counted.

For each provider and each fault the sandboxes can inject, seven operations run
against the real app: the listing over all providers, `customer(id)` with nested
fields, `node`, create, update, delete and attach. Reads fault every request of the
provider; writes fault only the routes the write itself sends (found by doing the
same write once without a fault), so what the write answers is about the write.

Each cell asserts the error code and `extensions.provider`, that another provider's
data in the same answer is intact, how many requests reached the faulted provider
(retries included), and after a failed write, read back once the fault is cleared,
that the record is as before or as the write wanted, never in between.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from gateway.contract import RetrySettings
from gateway.providers import SPECS
from tests.conftest import Gateway, make_settings, open_gateway
from tests.contract.cases import CASES, ProviderCase

TRIES = RetrySettings().attempts
HEALTHY_TIMEOUT_S = 5.0
"""Every provider's timeout, the faulted one's too unless its fault is about time: a
clean call must not time out during a full garbage collection of a long suite's
process (0.3 s, then 0.8 s, once timed out a clean Clover listing and create)."""
SHORT_TIMEOUT_S = 1.0
"""The faulted provider's timeout under the faults that outlast it (hang, latency, drip)."""
READ_POSTS = frozenset(
    {
        "POST /v2/customers/search",
        "POST /v2/customers/bulk-retrieve",
        "POST /v2/orders/search",
        "POST /oauth/access_token",
        "POST /v2/customers/tokens",
    }
)
"""Routes sent with POST that only read: faulted with the reads, not the writes."""
UNKNOWN = "PROVIDER_OUTCOME_UNKNOWN"
BAD = "PROVIDER_BAD_RESPONSE"


@dataclass(frozen=True)
class Fault:
    """A fault, and what a read and a (once-only) write must answer under it."""

    name: str
    settings: dict[str, Any]
    read: tuple[str, int]
    """(code, requests the faulted provider receives) for a read."""
    write: tuple[str | None, int]
    """(code, requests on the write's routes); None: the write may also succeed."""
    reaches_store: bool
    """Whether the emulator ran the request before the answer was spoiled."""
    retried_when_keyed: bool = False
    limits: dict[str, Any] = field(default_factory=dict)
    timeout_s: float = HEALTHY_TIMEOUT_S


def malformed(kind: str, reaches_store: bool, **extra: Any) -> Fault:
    return Fault(
        kind,
        {"kind": kind, "error_rate": 1.0, **extra},
        read=(BAD, 1),
        write=(BAD if not reaches_store else None, 1),
        reaches_store=reaches_store,
    )


FAULTS = [
    Fault(
        "500",
        {"error_rate": 1.0, "error_status": 500},
        ("PROVIDER_UNAVAILABLE", 1),
        (UNKNOWN, 1),
        False,
    ),
    Fault(
        "503",
        {"error_rate": 1.0, "error_status": 503},
        ("PROVIDER_UNAVAILABLE", TRIES),
        (UNKNOWN, 1),
        False,
        retried_when_keyed=True,
    ),
    Fault(
        "429",
        {"error_rate": 1.0, "error_status": 429, "retry_after_s": 0.01},
        ("RATE_LIMITED", TRIES),
        ("RATE_LIMITED", TRIES),
        False,
        retried_when_keyed=True,
    ),
    Fault(
        "hang",
        {"hang": True},
        ("PROVIDER_TIMEOUT", 1),
        (UNKNOWN, 1),
        False,
        timeout_s=SHORT_TIMEOUT_S,
    ),
    Fault(
        "latency",
        {"latency_ms": 2500},
        ("PROVIDER_TIMEOUT", 1),
        (UNKNOWN, 1),
        False,
        timeout_s=SHORT_TIMEOUT_S,
    ),
    Fault(
        "past_deadline",
        {"latency_ms": 3000},
        ("DEADLINE_EXCEEDED", 1),
        (UNKNOWN, 1),
        False,
        limits={"deadline_s": 1.5},  # the healthy providers' part fits on a busy machine
    ),
    malformed("wrong_shape", reaches_store=True),
    malformed("empty_body", reaches_store=True),
    malformed("html", reaches_store=False),
    malformed("truncated_json", reaches_store=True),
    malformed("wrong_content_type", reaches_store=True),
    malformed("oversize", reaches_store=False, oversize_bytes=300_000),
    Fault(
        "reset",
        {"kind": "reset", "error_rate": 1.0},
        ("PROVIDER_UNAVAILABLE", TRIES),
        (UNKNOWN, 1),
        True,
        retried_when_keyed=True,
    ),
    Fault(
        "drip",
        {"kind": "drip", "error_rate": 1.0, "drip_interval_ms": 1200},
        ("PROVIDER_TIMEOUT", 1),
        (UNKNOWN, 1),
        True,
        timeout_s=SHORT_TIMEOUT_S,
    ),
]

LIST = """query($providers: [Provider!]) {
  customers(first: 30, filter: {providers: $providers}) {
    nodes { id provider email } missingProviders { provider code } } }"""
NESTED = """query($p: ID!, $q: ID!) {
  p: customer(id: $p) { id email addresses { city } paymentSources { id }
                        orders(first: 2) { nodes { id } } sameAs { id } }
  q: customer(id: $q) { id email addresses { city } } }"""
NODE = """query($p: ID!, $q: ID!) {
  p: node(id: $p) { id ... on Customer { email } }
  q: node(id: $q) { id ... on Customer { email } } }"""
CREATE = """mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } } }"""
UPDATE = """mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id } userErrors { code } } }"""
DELETE = """mutation($input: DeleteCustomerInput!) {
  deleteCustomer(input: $input) { deletedId userErrors { code } } }"""
ATTACH = """mutation($input: AttachPaymentSourceInput!) {
  attachPaymentSource(input: $input) { customer { id } userErrors { code } } }"""
FIND = """query($email: String!, $provider: Provider!) {
  customers(first: 5, filter: {email: $email, providers: [$provider]}) {
    nodes { id addresses { city } } } }"""
READ = "query($id: ID!) { customer(id: $id) { id paymentSources { id } } }"
READ_TEXT = "query($id: ID!) {{ customer(id: $id) {{ id {field} }} }}"


def settings_for(case: ProviderCase, fault: Fault) -> Any:
    """The faulted provider with the fault's timeout; the others with room to answer on a
    busy machine; no breaker (its own tests count it) and no cache (every call is real)."""
    healthy = {"timeout_s": HEALTHY_TIMEOUT_S, "breaker": {"enabled": False}}
    faulted = {**healthy, "timeout_s": fault.timeout_s, "max_response_bytes": 100_000}
    per = {spec.key: faulted if spec.name.name == case.provider else healthy for spec in SPECS}
    per["clover"] = {**per["clover"], "max_requests_per_s": 1000, "max_in_flight": 100}
    return make_settings(
        cache={"enabled": False},
        limits=fault.limits,
        sandbox={"clover_rate_limit_per_s": 1000, "clover_max_in_flight": 100},
        **per,
    )


def codes(body: dict[str, Any], provider: str) -> list[str]:
    return [
        e["extensions"]["code"]
        for e in body.get("errors") or []
        if e["extensions"].get("provider") == provider
    ]


def others(data: dict[str, Any], provider: str) -> list[str]:
    return [n["id"] for n in data["customers"]["nodes"] if n["provider"] != provider]


@dataclass
class Cell:
    """One provider under one fault, with what the reads saw before any fault."""

    gw: Gateway
    case: ProviderCase
    fault: Fault
    own_id: str
    other_id: str
    other_provider: str

    async def faulted(self, routes: list[str] | None = None) -> None:
        settings = dict(self.fault.settings)
        if routes is not None:
            settings["routes"] = routes
        await self.gw.set_faults(self.case.slug, **settings)
        await self.gw.reset_stats()

    async def routes(self) -> dict[str, int]:
        found: dict[str, int] = (await self.gw.stats())[self.case.slug]["routes"]
        return found

    async def new_customer(self, **extra: Any) -> dict[str, Any]:
        email = f"matrix-{uuid.uuid4().hex[:10]}@example.com"
        fields = {**self.case.new_customer, "email": email, **extra}
        payload = (await self.gw.data(CREATE, input={"provider": self.case.provider, **fields}))[
            "createCustomer"
        ]
        assert payload["userErrors"] == []
        return {"id": payload["customer"]["id"], "email": email}

    async def write_routes(self, write: Callable[[], Awaitable[Any]]) -> list[str]:
        """The routes `write` sends that change something: learnt by doing it once."""
        await self.gw.reset_stats()
        await write()
        return sorted(
            r for r in await self.routes() if not r.startswith("GET ") and r not in READ_POSTS
        )


async def open_cell(gw: Gateway, case: ProviderCase, fault: Fault) -> Cell:
    mine = (await gw.data(LIST, providers=[case.provider]))["customers"]["nodes"]
    other_case = next(c for c in CASES if c.provider != case.provider)
    theirs = (await gw.data(LIST, providers=[other_case.provider]))["customers"]["nodes"]
    return Cell(gw, case, fault, mine[0]["id"], theirs[0]["id"], other_case.provider)


async def check_listing(cell: Cell) -> None:
    everyone_else = [c.provider for c in CASES if c.provider != cell.case.provider]
    expected = others(await cell.gw.data(LIST, providers=everyone_else), cell.case.provider)
    await cell.faulted()
    body = await cell.gw.gql(LIST, providers=None)
    await cell.gw.clear_faults(cell.case.slug)
    code, tries = cell.fault.read
    assert codes(body, cell.case.provider) == [code]
    missing = body["data"]["customers"]["missingProviders"]
    assert missing == [{"provider": cell.case.provider, "code": code}]
    assert others(body["data"], cell.case.provider) == expected
    assert sum((await cell.routes()).values()) == tries


async def check_lookup(cell: Cell, query: str, *, reads_ahead: bool = False) -> None:
    """`reads_ahead`: the query asks for nested reads the provider makes by id alone,
    which go out with the record read (`Loaders.read_ahead`): each is retried at most
    as often as the record read, until the answer (`p` null) ends the request."""
    before = await cell.gw.data(query, p=cell.own_id, q=cell.other_id)
    await cell.faulted()
    body = await cell.gw.gql(query, p=cell.own_id, q=cell.other_id)
    await cell.gw.clear_faults(cell.case.slug)
    code, tries = cell.fault.read
    assert codes(body, cell.case.provider) == [code]
    assert body["data"]["p"] is None
    assert body["data"]["q"] == before["q"]
    routes = await cell.routes()
    if reads_ahead:
        assert max(routes.values()) == tries
        assert all(sent <= tries for sent in routes.values())
    else:
        assert sum(routes.values()) == tries


async def check_write(
    cell: Cell,
    write: Callable[[], Awaitable[dict[str, Any]]],
    rehearsal: Callable[[], Awaitable[Any]],
    state: Callable[[], Awaitable[Any]],
    wanted: Any,
    *,
    keyed: bool = False,
) -> None:
    """`write` under the fault on its own routes; `state()` after is as before or `wanted`."""
    routes = await cell.write_routes(rehearsal)
    assert routes, "a write sends something"
    before = await state()
    await cell.faulted(routes)
    body = await write()
    await cell.gw.clear_faults(cell.case.slug)
    code, tries = cell.fault.write
    if keyed and cell.fault.retried_when_keyed:
        tries = TRIES
    sent = await cell.routes()
    assert sum(sent.get(r, 0) for r in routes) == tries
    after = await state()
    reported = codes(body, cell.case.provider)
    if not cell.fault.reaches_store:
        assert reported == [code]
        assert after == before
    elif reported:  # a spoiled answer to a stored write: reported, and whole or nothing
        assert reported == [code or BAD]
        assert after in (before, wanted)
    else:  # the spoiled part was one the write does not read (an empty DELETE answer)
        assert code is None or cell.fault.name == "drip"
        assert after == wanted


async def check_create(cell: Cell) -> None:
    email = f"matrix-new-{uuid.uuid4().hex[:10]}@example.com"
    fields = {
        **cell.case.new_customer,
        "address": cell.case.address,
        "provider": cell.case.provider,
    }

    async def found() -> list[Any]:
        nodes = (await cell.gw.data(FIND, email=email, provider=cell.case.provider))["customers"][
            "nodes"
        ]
        return [[a["city"] for a in n["addresses"]] for n in nodes]

    await check_write(
        cell,
        lambda: cell.gw.gql(CREATE, input={**fields, "email": email}),
        lambda: cell.gw.data(CREATE, input={**fields, "email": f"rehearsal-{email}"}),
        found,
        [[cell.case.address["city"]]],
    )


async def check_update(cell: Cell) -> None:
    target = await cell.new_customer()
    spare = await cell.new_customer()
    text = cell.case.text_field

    def update(customer_id: str) -> Any:
        return {"id": customer_id, text: "changed under a fault"}

    async def note() -> Any:
        return (await cell.gw.data(READ_TEXT.format(field=text), id=target["id"]))["customer"][text]

    await check_write(
        cell,
        lambda: cell.gw.gql(UPDATE, input=update(target["id"])),
        lambda: cell.gw.data(UPDATE, input=update(spare["id"])),
        note,
        "changed under a fault",
    )


async def check_delete(cell: Cell) -> None:
    target = await cell.new_customer()
    spare = await cell.new_customer()

    async def exists() -> bool:
        return (await cell.gw.data(READ, id=target["id"]))["customer"] is not None

    await check_write(
        cell,
        lambda: cell.gw.gql(DELETE, input={"id": target["id"]}),
        lambda: cell.gw.data(DELETE, input={"id": spare["id"]}),
        exists,
        False,
    )


async def check_attach(cell: Cell) -> None:
    if cell.case.payment_token is None:
        return
    target = await cell.new_customer()
    spare = await cell.new_customer()

    def attach(customer_id: str) -> Any:
        return {"customerId": customer_id, "token": cell.case.payment_token}

    async def sources() -> int:
        return len((await cell.gw.data(READ, id=target["id"]))["customer"]["paymentSources"])

    before = await sources()
    await check_write(
        cell,
        lambda: cell.gw.gql(ATTACH, input=attach(target["id"])),
        lambda: cell.gw.data(ATTACH, input=attach(spare["id"])),
        sources,
        before + 1,
        keyed=cell.case.provider == "SQUARE",  # CreateCard always carries its key
    )


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
@pytest.mark.parametrize("case", CASES, ids=[c.slug for c in CASES])
async def test_fault_matrix(case: ProviderCase, fault: Fault) -> None:
    async for gw in open_gateway(settings_for(case, fault)):
        cell = await open_cell(gw, case, fault)
        await check_listing(cell)
        await check_lookup(cell, NESTED, reads_ahead=True)
        await check_lookup(cell, NODE)
        await check_create(cell)
        await check_update(cell)
        await check_delete(cell)
        await check_attach(cell)
