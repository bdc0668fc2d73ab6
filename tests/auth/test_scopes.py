"""The whole scope matrix: every operation x every scope set (none, each single, all).

A refused operation is FORBIDDEN at its own field and sends nothing upstream (the
sandbox counters stay at zero); an allowed one is never FORBIDDEN (its outcome
otherwise is whatever the operation does with these made-up inputs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from gateway import ids
from gateway.auth.principal import Scope
from gateway.model import CustomerRef, ProviderName
from schema.permissions import RULES
from tests.auth.conftest import SCOPE_SETS, auth_settings, key_entry, post, total_calls
from tests.conftest import Gateway, make_settings, open_gateway

SQUARE_LIST = "{ customers(first: 1, filter: {providers: [SQUARE]}) { nodes { id } } }"
CREATE = """mutation($email: String) { createCustomer(input: {provider: SQUARE, email: $email,
  givenName: "Scope"}) { customer { id } userErrors { code } } }"""


@dataclass(frozen=True)
class Operation:
    field: str
    document: str
    fresh: bool = False
    """Destructive when allowed: run on a customer created for this run."""


OPERATIONS = [
    Operation("customer", "query($id: ID!) { customer(id: $id) { id } }"),
    Operation("node", "query($id: ID!) { node(id: $id) { id } }"),
    Operation("customers", "{ customers(first: 2) { nodes { id } } }"),
    Operation("providers", "{ providers { provider } }"),
    Operation(
        "_entities",
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id } } }",
    ),
    Operation("createCustomer", CREATE),
    Operation(
        "updateCustomer",
        'mutation($id: ID!) { updateCustomer(input: {id: $id, note: "n"})'
        " { userErrors { code } } }",
    ),
    Operation(
        "deleteCustomer",
        "mutation($id: ID!) { deleteCustomer(input: {id: $id}) { userErrors { code } } }",
        fresh=True,
    ),
    Operation(
        "forgetCustomer",
        "mutation($id: ID!) { forgetCustomer(input: {id: $id}) { userErrors { code } } }",
        fresh=True,
    ),
    Operation(
        "addCustomerAddress",
        """mutation($id: ID!) { addCustomerAddress(input: {customerId: $id,
        address: {line1: "1 Main St", city: "Springfield", country: "US"}})
        { userErrors { code } } }""",
    ),
    Operation(
        "updateCustomerAddress",
        """mutation($id: ID!) { updateCustomerAddress(input: {customerId: $id, addressId: "nope",
        address: {city: "Shelbyville"}}) { userErrors { code } } }""",
    ),
    Operation(
        "removeCustomerAddress",
        """mutation($id: ID!) { removeCustomerAddress(input: {customerId: $id, addressId: "nope"})
        { userErrors { code } } }""",
    ),
    Operation(
        "attachPaymentSource",
        """mutation($id: ID!) { attachPaymentSource(input: {customerId: $id,
        token: "cnon:card-nonce-ok"})
        { userErrors { code } } }""",
    ),
    Operation(
        "detachPaymentSource",
        """mutation($id: ID!) { detachPaymentSource(input: {customerId: $id,
        paymentSourceId: "nope"}) { userErrors { code } } }""",
    ),
    Operation(
        "setDefaultPaymentSource",
        """mutation($id: ID!) { setDefaultPaymentSource(input: {customerId: $id,
        paymentSourceId: "nope"}) { userErrors { code } } }""",
    ),
]


READ, WRITE, PAY = Scope.CUSTOMERS_READ, Scope.CUSTOMERS_WRITE, Scope.PAYMENT_SOURCES_WRITE
EXPECTED: dict[str, Scope] = {
    **dict.fromkeys(["customer", "node", "customers", "providers", "_entities"], READ),
    **dict.fromkeys(
        [
            "createCustomer",
            "updateCustomer",
            "addCustomerAddress",
            "updateCustomerAddress",
            "removeCustomerAddress",
        ],
        WRITE,
    ),
    "deleteCustomer": Scope.CUSTOMERS_DELETE,
    "forgetCustomer": Scope.CUSTOMERS_FORGET,
    **dict.fromkeys(["attachPaymentSource", "detachPaymentSource", "setDefaultPaymentSource"], PAY),
    "native": Scope.NATIVE_READ,
}
"""The scope table as issue 13 states it, written out apart from the code's."""


def test_every_guarded_field_is_in_the_matrix() -> None:
    walked = {op.field for op in OPERATIONS} | {"native"}
    guarded = {f: r.scope for f, r in RULES.items() if r.scope is not Scope.SHOPPER}
    assert guarded == EXPECTED
    assert set(EXPECTED) == walked


async def _variables(gw: Gateway, op: Operation, customer_id: str) -> dict[str, Any]:
    if op.fresh:
        _, body = await post(gw, CREATE, "all", email=None)
        customer_id = body["data"]["createCustomer"]["customer"]["id"]
    return {"id": customer_id, "r": [{"__typename": "Customer", "id": customer_id}]}


def _forbidden_at(body: dict[str, Any]) -> list[str]:
    return [
        str(e["path"][0]) if e.get("path") else "-"
        for e in body.get("errors", [])
        if e["extensions"]["code"] == "FORBIDDEN"
    ]


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.field)
async def test_matrix(keyed_gateway: Gateway, op: Operation) -> None:
    gw = keyed_gateway
    _, listed = await post(gw, SQUARE_LIST, "all")
    customer_id = listed["data"]["customers"]["nodes"][0]["id"]
    needed = EXPECTED[op.field]
    for name, scopes in SCOPE_SETS.items():
        variables = await _variables(gw, op, customer_id)
        await gw.reset_stats()
        status, body = await post(gw, op.document, name, **variables)
        assert status == 200, body
        if needed in scopes:
            assert _forbidden_at(body) == [], (name, body)
        else:
            assert _forbidden_at(body) == [op.field], (name, body)
            assert body["data"] is None or body["data"].get(op.field) is None
            assert await total_calls(gw) == 0, (name, op.field)


async def test_native_needs_its_own_scope(keyed_gateway: Gateway) -> None:
    query = "{ customers(first: 2) { nodes { id email native } } }"
    for name, scopes in SCOPE_SETS.items():
        if Scope.CUSTOMERS_READ not in scopes:
            continue
        _, body = await post(keyed_gateway, query, name)
        nodes = body["data"]["customers"]["nodes"]
        assert nodes
        assert all(n["id"] and "email" in n for n in nodes)
        if Scope.NATIVE_READ in scopes:
            assert "errors" not in body
            assert all(n["native"] is not None for n in nodes)
        else:
            assert all(n["native"] is None for n in nodes)
            paths = [e["path"][-1] for e in body["errors"]]
            assert paths == ["native"] * len(nodes)


async def test_other_fields_still_answer(keyed_gateway: Gateway) -> None:
    query = 'mutation { deleteCustomer(input: {id: "x"}) { deletedId } }'
    _, body = await post(keyed_gateway, query, "customers_read")
    assert _forbidden_at(body) == ["deleteCustomer"]
    both = "{ customers(first: 1) { nodes { id } } providers { provider } }"
    _, body = await post(keyed_gateway, both, "customers_read")
    assert "errors" not in body
    assert body["data"]["providers"]


def _other(provider: ProviderName) -> str:
    return ids.customer_id(CustomerRef(provider, "anything-1"))


async def test_key_limited_to_providers() -> None:
    limited = key_entry("square-only", frozenset(SCOPE_SETS["all"]), ["square"])
    settings = make_settings(auth=auth_settings(extra_keys=[limited]), cache={"enabled": False})
    async for gw in open_gateway(settings):
        _, body = await post(gw, "{ customers(first: 50) { nodes { provider } } }", "square-only")
        assert {n["provider"] for n in body["data"]["customers"]["nodes"]} == {"SQUARE"}
        _, body = await post(gw, "{ providers { provider } }", "square-only")
        assert [p["provider"] for p in body["data"]["providers"]] == ["SQUARE"]
        clover = _other(ProviderName.CLOVER)
        checks: list[tuple[str, dict[str, Any], str]] = [
            ("query($id: ID!) { customer(id: $id) { id } }", {"id": clover}, "customer"),
            ("query($id: ID!) { node(id: $id) { id } }", {"id": clover}, "node"),
            (
                "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
                {"r": [{"__typename": "Customer", "id": clover}]},
                "_entities",
            ),
            (
                'mutation { createCustomer(input: {provider: CLOVER, givenName: "x"})'
                " { userErrors { code } } }",
                {},
                "createCustomer",
            ),
            (
                "mutation($id: ID!) { deleteCustomer(input: {id: $id}) { userErrors { code } } }",
                {"id": clover},
                "deleteCustomer",
            ),
        ]
        for document, variables, field in checks:
            await gw.reset_stats()
            _, body = await post(gw, document, "square-only", **variables)
            assert _forbidden_at(body) == [field], body
            assert await total_calls(gw) == 0
