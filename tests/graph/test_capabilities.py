"""`providers { capabilities }` says what the service enforces, capability by capability.

Per provider the test reads the capabilities over GraphQL, then asks the service
about each one through the mutations: every unstored field is refused and every
stored one accepted, derived and fixed values only as shown, the address limit, each
unsupported operation, makeDefault on attach, caller-chosen ids, the forget outcome
and whether payment sources are listed.
"""

from __future__ import annotations

from typing import Any

import pytest

from gateway.model import ProviderName
from tests.conftest import Gateway
from tests.graph.test_write_back import UPDATE, UPDATE_ADDRESS, a_customer_with_an_address

CAPABILITIES = """
query { providers { provider capabilities {
  writableFields derivedFields addressFields fixedAddressValues { field value } maxAddresses
  operations paymentSources { readable attach detach setDefault defaultOnAttach }
  callerChosenId { maxLength pattern } forgetOutcome listPageSize maxPageSize
  rateLimit { requestsPerSecond concurrent scope }
} } }"""
CUSTOMER_VALUES: dict[str, Any] = {
    "email": "walker@example.com",
    "givenName": "Walk",
    "familyName": "Er",
    "displayName": "Walk Er Other",
    "companyName": "Acme",
    "phone": "+15555550100",
    "nickname": "W",
    "note": "a note",
    "birthday": "1990-01-02",
    "referenceId": "ref-1",
    "locale": "en_US",
    "customerType": "BUSINESS",
    "enabled": True,
    "metadata": {"k": "v"},
    "password": "correct-horse-9",
}
ADDRESS_VALUES: dict[str, Any] = {
    "label": "holiday",
    "firstName": "Walk",
    "lastName": "Er",
    "companyName": "Acme",
    "phone": "+15555550100",
    "line1": "1 Main St",
    "line2": "Apt 2",
    "city": "Portland",
    "region": "OR",
    "postalCode": "97201",
    "country": "US",
    "instructions": "Ring twice",
}
PAYLOAD = "{ userErrors { field code } }"
OPERATIONS: dict[str, str] = {
    "attachPaymentSource": 'input: {customerId: $id, token: "tok_nope"}',
    "detachPaymentSource": 'input: {customerId: $id, paymentSourceId: "nope"}',
    "setDefaultPaymentSource": 'input: {customerId: $id, paymentSourceId: "nope"}',
}
ADD_ADDRESS = f"""
mutation($input: AddCustomerAddressInput!) {{ addCustomerAddress(input: $input) {PAYLOAD} }}"""
CREATE = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { providerId } userErrors { field code } }
}"""
FORGET = "mutation($id: ID!) { forgetCustomer(input: {id: $id}) { outcome userErrors { code } } }"


def codes(errors: list[dict[str, Any]]) -> dict[str, str]:
    return {".".join(e["field"] or []): e["code"] for e in errors}


async def all_codes(gw: Gateway, query: str, **variables: Any) -> set[str]:
    """User error codes and GraphQL error codes alike (a malformed id is the latter)."""
    body = await gw.gql(query, **variables)
    found = {e["extensions"]["code"] for e in body.get("errors") or []}
    for payload in (body.get("data") or {}).values():
        found |= {e["code"] for e in (payload or {}).get("userErrors") or []}
    return found


async def capabilities_of(gw: Gateway, provider: ProviderName) -> dict[str, Any]:
    statuses = (await gw.data(CAPABILITIES))["providers"]
    found: dict[str, Any] = next(s for s in statuses if s["provider"] == provider.name)
    caps: dict[str, Any] = found["capabilities"]
    return caps


async def update(gw: Gateway, customer_id: str, values: dict[str, Any]) -> dict[str, str]:
    body = await gw.data(UPDATE, input={"id": customer_id, **values})
    return codes(body["updateCustomer"]["userErrors"])


@pytest.mark.parametrize("provider", list(ProviderName), ids=lambda p: p.value)
async def test_customer_fields_are_stored_as_the_capabilities_say(
    gateway: Gateway, provider: ProviderName
) -> None:
    caps = await capabilities_of(gateway, provider)
    customer = await a_customer_with_an_address(gateway, provider)
    writable, derived = set(caps["writableFields"]), set(caps["derivedFields"])
    unstored = {k: v for k, v in CUSTOMER_VALUES.items() if k not in writable | derived}

    assert await update(gateway, customer["id"], unstored) == {
        f"input.{k}": "UNSUPPORTED_FIELD" for k in unstored
    }
    stored = {k: v for k, v in CUSTOMER_VALUES.items() if k in writable}
    assert await update(gateway, customer["id"], stored) == {}
    for name in derived:
        shown = await gateway.data(f'{{ customer(id: "{customer["id"]}") {{ {name} }} }}')
        assert await update(gateway, customer["id"], shown["customer"]) == {}
        other = {name: "Not What Is Shown"}
        assert await update(gateway, customer["id"], other) == {
            f"input.{name}": "UNSUPPORTED_FIELD"
        }


@pytest.mark.parametrize("provider", list(ProviderName), ids=lambda p: p.value)
async def test_address_fields_and_the_limit_are_as_the_capabilities_say(
    gateway: Gateway, provider: ProviderName
) -> None:
    caps = await capabilities_of(gateway, provider)
    customer = await a_customer_with_an_address(gateway, provider)
    address = customer["addresses"][0]
    stored = set(caps["addressFields"])
    fixed = {f["field"]: f["value"] for f in caps["fixedAddressValues"]}

    async def write(values: dict[str, Any]) -> dict[str, str]:
        body = await gateway.data(
            UPDATE_ADDRESS,
            input={"customerId": customer["id"], "addressId": address["id"], "address": values},
        )
        return codes(body["updateCustomerAddress"]["userErrors"])

    unstored = {k: v for k, v in ADDRESS_VALUES.items() if k not in stored}
    assert await write(unstored) == {f"input.address.{k}": "UNSUPPORTED_FIELD" for k in unstored}
    accepted = {k: v for k, v in ADDRESS_VALUES.items() if k in stored}
    assert await write({**accepted, **fixed}) == {}

    added = await gateway.data(
        ADD_ADDRESS, input={"customerId": customer["id"], "address": accepted}
    )
    full = caps["maxAddresses"] is not None and len(customer["addresses"]) >= caps["maxAddresses"]
    expected = {"input.address": "INVALID"} if full else {}
    assert codes(added["addCustomerAddress"]["userErrors"]) == expected


@pytest.mark.parametrize("provider", list(ProviderName), ids=lambda p: p.value)
async def test_operations_and_payment_sources_are_as_the_capabilities_say(
    gateway: Gateway, provider: ProviderName
) -> None:
    caps = await capabilities_of(gateway, provider)
    customer = await a_customer_with_an_address(gateway, provider)
    await gateway.reset_stats()

    for operation, arguments in OPERATIONS.items():
        found = await all_codes(
            gateway,
            f"mutation($id: ID!) {{ {operation}({arguments}) {PAYLOAD} }}",
            id=customer["id"],
        )
        assert ("UNSUPPORTED_OPERATION" in found) == (operation not in caps["operations"])
    support = caps["paymentSources"]
    assert support["attach"] == ("attachPaymentSource" in caps["operations"])
    assert support["setDefault"] == ("setDefaultPaymentSource" in caps["operations"])

    if support["attach"]:
        found = await all_codes(
            gateway,
            'mutation($id: ID!) { attachPaymentSource(input: {customerId: $id, token: "tok_x",'
            f" makeDefault: true}}) {PAYLOAD} }}",
            id=customer["id"],
        )
        assert ("UNSUPPORTED_FIELD" in found) == (not support["defaultOnAttach"])

    listed = await gateway.data(
        "query($p: [Provider!]) { customers(first: 20, filter: {providers: $p}) "
        "{ nodes { paymentSources { id } } } }",
        p=[provider.name],
    )
    has_any = any(c["paymentSources"] for c in listed["customers"]["nodes"])
    assert has_any == support["readable"]


@pytest.mark.parametrize("provider", list(ProviderName), ids=lambda p: p.value)
async def test_chosen_ids_and_forget_are_as_the_capabilities_say(
    gateway: Gateway, provider: ProviderName
) -> None:
    caps = await capabilities_of(gateway, provider)
    chosen = caps["callerChosenId"]
    name = "givenName" if "givenName" in caps["writableFields"] else "displayName"
    base = {"provider": provider.name, "email": "chosen@example.com", name: "Cho Sen"}

    body = await gateway.data(CREATE, input={**base, "providerId": "chosen-1"})
    created = body["createCustomer"]
    if chosen is None:
        assert codes(created["userErrors"]) == {"input.providerId": "UNSUPPORTED_FIELD"}
    else:
        assert created["userErrors"] == []
        assert created["customer"]["providerId"] == "chosen-1"
        too_long = "x" * (chosen["maxLength"] + 1)
        body = await gateway.data(CREATE, input={**base, "providerId": too_long})
        assert codes(body["createCustomer"]["userErrors"]) == {"input.providerId": "INVALID"}

    customer = await a_customer_with_an_address(gateway, provider)
    forgot = (await gateway.data(FORGET, id=customer["id"]))["forgetCustomer"]
    assert forgot["userErrors"] == []
    assert forgot["outcome"] == caps["forgetOutcome"]
