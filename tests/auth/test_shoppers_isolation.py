"""Property: whatever a shopper asks, with whoever's ids, they never see or change another's data.

Hypothesis draws a pair of seeded people (a shopper and a victim, with customers in
one or more providers) and an operation, reads and writes, whose ids come from
either person: the victim's customer, order, address and payment source ids, the
shopper's own, and mixes (one's own customer with the victim's card). The request
goes, as the shopper, to `customer-gateway serve` over a real socket. Then:
- the response holds none of the victim's emails or ids;
- a request naming any id of the victim's is FORBIDDEN and made no write upstream
  (the sandbox counters), and the victim's records read back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.auth import shopper_tokens
from gateway.model import ProviderName
from sandboxes.seed import Person
from tests.auth.test_shoppers import CUSTOMER_FIELDS, POPULATION, SIGNING_KEY, is_write
from tests.properties import against_a_server
from tests.servers import gateway_client

EXAMPLES = 100
PEOPLE = 8
SNAPSHOT = f"""query($e: String!) {{ customers(first: 20, filter: {{email: $e}}) {{
  nodes {{ {CUSTOMER_FIELDS} nickname updatedAt }} }} }}"""
ADDRESS = '{line1: "2 Side St", city: "Leeds", country: "GB"}'


@dataclass
class Holdings:
    """One person's records as the back office reads them, and the ids in them."""

    person: Person
    records: list[dict[str, Any]]
    customers: list[str] = field(init=False)
    orders: list[str] = field(init=False)
    addresses: list[str] = field(init=False)
    sources: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.customers = [r["id"] for r in self.records]
        self.orders = [o["id"] for r in self.records for o in r["orders"]["nodes"]]
        self.addresses = [a["id"] for r in self.records for a in r["addresses"]]
        self.sources = [s["id"] for r in self.records for s in r["paymentSources"]]

    def secrets(self, shared: set[str]) -> set[str]:
        """What must never reach another shopper: emails and ids not also theirs."""
        ids = {*self.customers, *self.orders, *self.addresses, *self.sources}
        emails = {self.person.email.lower(), *(r["email"].lower() for r in self.records)}
        return (ids - shared) | emails


def chosen() -> list[Person]:
    """People with one provider and with several, and somebody in every provider."""
    several = [p for p in POPULATION if len(p.providers) >= 2][: PEOPLE // 2]
    single = [p for p in POPULATION if len(p.providers) == 1]
    picked = several + single[: PEOPLE - len(several)]
    for provider in ProviderName:
        if not any(provider in p.providers for p in picked):
            picked.append(next(p for p in single if provider in p.providers))
    return picked


def read(client: httpx.Client, person: Person) -> list[dict[str, Any]]:
    response = client.post("/graphql", json={"query": SNAPSHOT, "variables": {"e": person.email}})
    body = response.json()
    assert "errors" not in body, body
    nodes: list[dict[str, Any]] = body["data"]["customers"]["nodes"]
    return nodes


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    workdir: Path = tmp_path_factory.mktemp("shoppers")
    with gateway_client(
        workdir, timeout_s=30.0, AUTH__SIGNING_KEY=SIGNING_KEY, CACHE__ENABLED="false"
    ) as http:
        yield http


@pytest.fixture(scope="module")
def holdings(client: httpx.Client) -> dict[str, Holdings]:
    return {p.key: Holdings(p, read(client, p)) for p in chosen()}


OPERATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "viewer": ("{ viewer { customers { id email orders { nodes { id } } } } }", ()),
    "customers": ('{ customers(first: 50, filter: {email: "$email"}) { nodes { id email } } }', ()),
    "customer": (
        '{ customer(id: "$c") { id email addresses { id } paymentSources { id } } }',
        ("c",),
    ),
    "node": ('{ node(id: "$o") { id } }', ("o",)),
    "entities": (
        '{ _entities(representations: [{__typename: "Customer", id: "$c"}]) '
        "{ ... on Customer { id email } } }",
        ("c",),
    ),
    "update": (
        'mutation { updateCustomer(input: {id: "$c", givenName: "N"}) { customer { id email } } }',
        ("c",),
    ),
    "add address": (
        f'mutation {{ addCustomerAddress(input: {{customerId: "$c", address: {ADDRESS}}}) '
        "{ customer { id addresses { id } } } }",
        ("c",),
    ),
    "update address": (
        'mutation { updateCustomerAddress(input: {customerId: "$c", addressId: "$a", '
        'address: {city: "York"}}) { customer { id addresses { id city } } } }',
        ("c", "a"),
    ),
    "remove address": (
        'mutation { removeCustomerAddress(input: {customerId: "$c", addressId: "$a"}) '
        "{ customer { id } } }",
        ("c", "a"),
    ),
    "attach": (
        'mutation { attachPaymentSource(input: {customerId: "$c", token: "cnon:card-nonce-ok"}) '
        "{ customer { id paymentSources { id } } } }",
        ("c",),
    ),
    "detach": (
        'mutation { detachPaymentSource(input: {customerId: "$c", paymentSourceId: "$s"}) '
        "{ customer { id paymentSources { id } } } }",
        ("c", "s"),
    ),
    "set default": (
        'mutation { setDefaultPaymentSource(input: {customerId: "$c", paymentSourceId: "$s"}) '
        "{ customer { id } } }",
        ("c", "s"),
    ),
    "delete": ('mutation { deleteCustomer(input: {id: "$c"}) { deletedId } }', ("c",)),
    "forget": ('mutation { forgetCustomer(input: {id: "$c"}) { outcome } }', ("c",)),
}
ALWAYS_FORBIDDEN = {"customers", "entities", "delete", "forget"}


def pool(holdings: Holdings, slot: str) -> list[str]:
    return {
        "c": holdings.customers,
        "o": holdings.orders + holdings.customers,
        "a": holdings.addresses,
        "s": holdings.sources,
    }[slot]


def route_counts(client: httpx.Client) -> list[str]:
    stats = client.get("/sandbox/_stats").json()
    return [r for s in stats.values() for r, n in s["routes"].items() if n and is_write(r)]


@against_a_server(EXAMPLES)
@given(data=st.data())
def test_a_shopper_never_sees_or_changes_another_persons_records(
    client: httpx.Client, holdings: dict[str, Holdings], data: st.DataObject
) -> None:
    keys = sorted(holdings)
    shopper_key = data.draw(st.sampled_from(keys), label="shopper")
    victim_key = data.draw(st.sampled_from([k for k in keys if k != shopper_key]), label="victim")
    shopper, victim = holdings[shopper_key], holdings[victim_key]
    name = data.draw(st.sampled_from(sorted(OPERATIONS)), label="operation")
    query, slots = OPERATIONS[name]
    used_victims = False
    for slot in slots:
        whose = data.draw(st.sampled_from(["own", "victim"]), label=f"{slot} from")
        source = shopper if whose == "own" else victim
        candidates = pool(source, slot) or pool(shopper, slot) or ["bm90LWFuLWlk"]
        value = data.draw(st.sampled_from(candidates), label=slot)
        used_victims |= value in pool(victim, slot) and value not in pool(shopper, slot)
        query = query.replace(f"${slot}", value)
    query = query.replace("$email", victim.person.email)

    token = shopper_tokens.issue(SIGNING_KEY, shopper_key, shopper.person.email, 600).token
    assert client.post("/sandbox/_stats/reset").status_code == 204
    response = client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    text = response.text.lower()
    shared = {*pool(shopper, "o"), *shopper.addresses, *shopper.sources}
    leaked = [s for s in victim.secrets(shared) if s.lower() in text]
    assert leaked == [], (name, query, response.text)

    codes = [e.get("extensions", {}).get("code") for e in response.json().get("errors", [])]
    if used_victims or name in ALWAYS_FORBIDDEN:
        assert "FORBIDDEN" in codes, (name, query, response.text)
        assert route_counts(client) == [], (name, query)
    assert read(client, victim.person) == victim.records, (name, query)
    holdings[shopper_key] = Holdings(shopper.person, read(client, shopper.person))


def test_the_chosen_people_span_every_provider(holdings: dict[str, Holdings]) -> None:
    """The property above is only as wide as its people: every provider, several ids each."""
    providers = {r["provider"] for h in holdings.values() for r in h.records}
    assert providers == {p.name for p in ProviderName}
    assert all(h.records for h in holdings.values())
    assert sum(len(h.sources) for h in holdings.values()) > 0
