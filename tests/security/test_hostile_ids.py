"""Ids are values, never paths: every hostile id x every operation that takes one x
every provider is refused as BAD_USER_INPUT at its own input, before any upstream call.

The attack this guards against: `removeCustomerAddress(customerId: A, addressId:
"../../<B>")` once deleted customer B, and a forged global id whose provider part was
`x/../<B>` deleted B too. Each case asserts the error's code and input path, that the
sandbox counters saw no request at all, and (for mutations) that a read-back of the
actor A and the victim B shows both unchanged. One uncached gateway serves the module;
each (provider, operation) case runs the whole table of hostile values.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from gateway import ids
from gateway.contract import declared_capabilities
from gateway.ids import IdRules
from gateway.model import CustomerRef, ProviderName
from gateway.providers import SPECS
from tests.conftest import Gateway, make_settings, open_gateway
from tests.contract.cases import CASES, ProviderCase

pytestmark = pytest.mark.asyncio(loop_scope="module")

FAST_CLOVER = {"max_requests_per_s": 100_000, "max_in_flight": 64}
"""The module sends hundreds of read-backs; Clover's documented pace would take minutes."""


def hostile(victim: str) -> dict[str, str]:
    """Labelled hostile ids; most aim at the victim's own provider id."""
    return {
        "dots": "..",
        "dot-segments": f"../../{victim}",
        "encoded-dots": f"%2e%2e%2f%2e%2e%2f{victim}",
        "slash": f"x/../{victim}",
        "query": f"{victim}?x=1",
        "fragment": f"{victim}#x",
        "encoded-nul": f"{victim}%00",
        "control": f"{victim}\x00\r\n\x7f",
        "non-ascii": f"{victim}é日本",
        "10kb": "A" * 10_240,
    }


@dataclass(frozen=True)
class Actors:
    """Per provider: the customer the requests act on (A) and the one they aim at (B)."""

    case: ProviderCase
    a: dict[str, Any]
    b: dict[str, Any]

    @property
    def provider(self) -> ProviderName:
        return ProviderName[self.case.provider]

    def gid(self, provider_id: str) -> str:
        return ids.customer_id(CustomerRef(self.provider, provider_id))

    def order_gid(self, customer_id: str, order_id: str) -> str:
        return ids.order_id(self.provider, customer_id, order_id)

    def address_id(self) -> str:
        return str(self.a["addresses"][0]["id"])

    def source_id(self) -> str:
        sources = self.a["paymentSources"]
        return str(sources[0]["id"]) if sources else self.case.missing_ids["source"]

    def order_id(self) -> str:
        return str(self.a["orders"]["nodes"][0]["providerId"])


PICK = """
query($providers: [Provider!]) {
  customers(first: 40, filter: { providers: $providers }) {
    nodes { id providerId addresses { id } paymentSources { id }
            orders(first: 1) { nodes { providerId } } }
  }
}"""
READ_BACK = """
query($a: ID!, $b: ID!) {
  a: customer(id: $a) { ...state }
  b: customer(id: $b) { ...state }
}
fragment state on Customer {
  version addresses { id line1 city } paymentSources { id } orders(first: 5) { nodes { id } }
}"""


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def gw() -> AsyncIterator[Gateway]:
    settings = make_settings(
        cache={"enabled": False},
        clover=FAST_CLOVER,
        sandbox={"clover_rate_limit_per_s": 100_000, "clover_max_in_flight": 64},
    )
    async for gateway in open_gateway(settings):
        yield gateway


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def actors(gw: Gateway) -> dict[str, Actors]:
    """A has an address, an order and (where the provider keeps them) a payment source."""
    found: dict[str, Actors] = {}
    for case in CASES:
        nodes = (await gw.data(PICK, providers=[case.provider]))["customers"]["nodes"]
        complete = [
            n
            for n in nodes
            if n["addresses"]
            and n["orders"]["nodes"]
            and (n["paymentSources"] or case.payment_token is None)
        ]
        a = complete[0]
        b = next(n for n in nodes if n["id"] != a["id"] and n["addresses"])
        found[case.slug] = Actors(case, a, b)
    return found


async def state(gw: Gateway, who: Actors) -> dict[str, Any]:
    return await gw.data(READ_BACK, a=who.a["id"], b=who.b["id"])


async def untouched(gw: Gateway) -> None:
    stats = await gw.stats()
    reached = {slug: s["routes"] for slug, s in stats.items() if s["total"]}
    assert reached == {}, f"upstream calls: {reached}"


# ---- the operations, each with the hostile value in one of its id inputs ---------------

Build = Callable[[Actors, str], tuple[str, dict[str, Any]]]
"""(actors, hostile id) -> (GraphQL document, variables)."""

ENTITIES = """query($r: [_Any!]!) {
  _entities(representations: $r) { ... on Customer { id } ... on Order { id } } }"""


def mutation(name: str, input_type: str) -> str:
    return (
        f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ userErrors {{ code }} }} }}"
    )


def _customer_read(field: str) -> Build:
    return lambda who, bad: (
        f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}",
        {"id": who.gid(bad)},
    )


READS: dict[str, tuple[Build, list[str | int]]] = {
    "customer": (_customer_read("customer"), ["customer"]),
    "node": (_customer_read("node"), ["node"]),
    "entities": (
        lambda who, bad: (ENTITIES, {"r": [{"__typename": "Customer", "id": who.gid(bad)}]}),
        ["_entities", 0],
    ),
    "order-node-order-id": (
        lambda who, bad: (
            "query($id: ID!) { node(id: $id) { id } }",
            {"id": who.order_gid(str(who.a["providerId"]), bad)},
        ),
        ["node"],
    ),
    "order-node-customer-id": (
        lambda who, bad: (
            "query($id: ID!) { node(id: $id) { id } }",
            {"id": who.order_gid(bad, who.order_id())},
        ),
        ["node"],
    ),
    "order-entities": (
        lambda who, bad: (
            ENTITIES,
            {"r": [{"__typename": "Order", "id": who.order_gid(str(who.a["providerId"]), bad)}]},
        ),
        ["_entities", 0],
    ),
}


@dataclass(frozen=True)
class Write:
    operation: str
    input_type: str
    field: str
    """The input field that carries the hostile value."""
    build: Callable[[Actors, str], dict[str, Any]]


WRITES: list[Write] = [
    Write(
        "updateCustomer",
        "UpdateCustomerInput",
        "id",
        lambda w, bad: {"id": w.gid(bad), w.case.text_field: "hostile"},
    ),
    Write("deleteCustomer", "DeleteCustomerInput", "id", lambda w, bad: {"id": w.gid(bad)}),
    Write("forgetCustomer", "ForgetCustomerInput", "id", lambda w, bad: {"id": w.gid(bad)}),
    Write(
        "addCustomerAddress",
        "AddCustomerAddressInput",
        "customerId",
        lambda w, bad: {"customerId": w.gid(bad), "address": w.case.address},
    ),
    Write(
        "updateCustomerAddress",
        "UpdateCustomerAddressInput",
        "customerId",
        lambda w, bad: {
            "customerId": w.gid(bad),
            "addressId": w.address_id(),
            "address": {"city": "X"},
        },
    ),
    Write(
        "updateCustomerAddress",
        "UpdateCustomerAddressInput",
        "addressId",
        lambda w, bad: {"customerId": w.a["id"], "addressId": bad, "address": {"city": "X"}},
    ),
    Write(
        "removeCustomerAddress",
        "RemoveCustomerAddressInput",
        "customerId",
        lambda w, bad: {"customerId": w.gid(bad), "addressId": w.address_id()},
    ),
    Write(
        "removeCustomerAddress",
        "RemoveCustomerAddressInput",
        "addressId",
        lambda w, bad: {"customerId": w.a["id"], "addressId": bad},
    ),
    Write(
        "attachPaymentSource",
        "AttachPaymentSourceInput",
        "customerId",
        lambda w, bad: {"customerId": w.gid(bad), "token": w.case.payment_token or "tok"},
    ),
    Write(
        "attachPaymentSource",
        "AttachPaymentSourceInput",
        "token",
        lambda w, bad: {"customerId": w.a["id"], "token": bad},
    ),
    Write(
        "detachPaymentSource",
        "DetachPaymentSourceInput",
        "customerId",
        lambda w, bad: {"customerId": w.gid(bad), "paymentSourceId": w.source_id()},
    ),
    Write(
        "detachPaymentSource",
        "DetachPaymentSourceInput",
        "paymentSourceId",
        lambda w, bad: {"customerId": w.a["id"], "paymentSourceId": bad},
    ),
    Write(
        "setDefaultPaymentSource",
        "SetDefaultPaymentSourceInput",
        "customerId",
        lambda w, bad: {"customerId": w.gid(bad), "paymentSourceId": w.source_id()},
    ),
    Write(
        "setDefaultPaymentSource",
        "SetDefaultPaymentSourceInput",
        "paymentSourceId",
        lambda w, bad: {"customerId": w.a["id"], "paymentSourceId": bad},
    ),
]
TOKEN_IN_A_BODY = {"square"}
"""Square's card nonces travel in a JSON body (up to 16384 characters): a long one is a
nonce Square may refuse, not a path. The token case runs where the token is a URL
segment (Digital River's source ids) or has a fixed form (Clover's `clv_`)."""

SLUGS = [case.slug for case in CASES]
WRITE_CASES = [
    pytest.param(slug, write, id=f"{slug}-{write.operation}.{write.field}")
    for slug in SLUGS
    for write in WRITES
    if not (write.field == "token" and slug in TOKEN_IN_A_BODY)
]
RULES: dict[str, IdRules] = {spec.key: declared_capabilities(spec).ids for spec in SPECS}


@pytest.mark.parametrize("read", list(READS))
@pytest.mark.parametrize("slug", SLUGS)
async def test_a_read_by_a_hostile_id_is_bad_user_input_unsent(
    gw: Gateway, actors: dict[str, Actors], slug: str, read: str
) -> None:
    who = actors[slug]
    build, path = READS[read]
    await gw.reset_stats()
    for label, bad in hostile(str(who.b["providerId"])).items():
        document, variables = build(who, bad)
        body = await gw.gql(document, **variables)
        codes = [(e["path"], e["extensions"]["code"]) for e in body.get("errors", [])]
        assert codes == [(path, "BAD_USER_INPUT")], label
        await untouched(gw)


@pytest.mark.parametrize(("slug", "write"), WRITE_CASES)
async def test_a_write_with_a_hostile_id_is_bad_user_input_and_changes_nothing(
    gw: Gateway, actors: dict[str, Actors], slug: str, write: Write
) -> None:
    who = actors[slug]
    before = await state(gw, who)
    document = mutation(write.operation, write.input_type)
    await gw.reset_stats()
    for label, bad in hostile(str(who.b["providerId"])).items():
        body = await gw.gql(document, input=write.build(who, bad))
        if write.operation not in who.case.operations:
            codes = [e["code"] for e in body["data"][write.operation]["userErrors"]]
            assert codes == ["UNSUPPORTED_OPERATION"], label
        else:
            [error] = body["errors"]
            assert body["data"] is None, label
            assert error["path"] == [write.operation], label
            assert error["extensions"] == {
                "code": "BAD_USER_INPUT",
                "field": ["input", write.field],
            }, label
            assert bad not in error["message"], label
        await untouched(gw)
    assert await state(gw, who) == before


PAGE = """
query($providers: [Provider!], $after: String) {
  customers(first: 1, filter: { providers: $providers }, after: $after) {
    nodes { id } pageInfo { endCursor }
  }
}"""


def tampered(cursor: str, slug: str, position: object) -> str:
    state = json.loads(base64.urlsafe_b64decode(cursor))
    state["p"][slug] = position
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


@pytest.mark.parametrize("slug", SLUGS)
async def test_a_cursor_carrying_a_hostile_position_is_bad_user_input_unsent(
    gw: Gateway, actors: dict[str, Actors], slug: str
) -> None:
    provider = actors[slug].case.provider
    first = await gw.data(PAGE, providers=[provider])
    cursor = first["customers"]["pageInfo"]["endCursor"]
    await gw.reset_stats()
    positions: dict[str, object] = {
        label: [bad, 0] for label, bad in hostile(str(actors[slug].b["providerId"])).items()
    }
    positions |= {"not-a-pair": "x", "negative": [None, -1], "bool": [None, True]}
    for label, position in positions.items():
        body = await gw.gql(PAGE, providers=[provider], after=tampered(cursor, slug, position))
        [error] = body["errors"]
        assert error["path"] == ["customers"], label
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": ["after"]}, label
        await untouched(gw)


ALL = """
query($providers: [Provider!], $after: String) {
  customers(first: 50, filter: { providers: $providers }, after: $after) {
    nodes { providerId addresses { id } paymentSources { id }
            orders(first: 10) { nodes { providerId } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@pytest.mark.parametrize("slug", SLUGS)
async def test_every_id_the_sandbox_issues_fits_its_rule(
    gw: Gateway, actors: dict[str, Actors], slug: str
) -> None:
    """Paging through the whole seeded population also proves its cursors pass."""
    who = actors[slug]
    rules = RULES[slug]
    after: str | None = None
    seen = 0
    while True:
        page = (await gw.data(ALL, providers=[who.case.provider], after=after))["customers"]
        for node in page["nodes"]:
            seen += 1
            assert rules.customer.accepts(node["providerId"]), node["providerId"]
            assert all(rules.address.accepts(a["id"]) for a in node["addresses"]), node
            assert all(rules.payment_source.accepts(p["id"]) for p in node["paymentSources"])
            assert all(rules.order.accepts(o["providerId"]) for o in node["orders"]["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen > 50
