"""What the gateway returns can be sent back unchanged, on every provider.

A form built once for all providers reads every field and sends every key back. Per
provider, a seeded customer with an address is read in full and written back with
`updateCustomer` and `updateCustomerAddress`: no user error, the read-back is the
same, and the sandbox counters show that only writes of stored fields went out. A
real change to a field the provider cannot store stays UNSUPPORTED_FIELD, with no
write (and no call at all unless the field is derived).
"""

from __future__ import annotations

from typing import Any

import pytest

from gateway.model import ProviderName
from tests.conftest import Gateway

CUSTOMER_FIELDS = (
    *("email", "givenName", "familyName", "displayName", "companyName", "phone", "nickname"),
    *("note", "birthday", "referenceId", "locale", "customerType", "enabled", "metadata"),
)
ADDRESS_FIELDS = (
    *("label", "firstName", "lastName", "companyName", "phone", "line1", "line2", "city"),
    *("region", "postalCode", "country", "instructions"),
)
READ = f"""
query($filter: CustomerFilter) {{
  customers(first: 20, filter: $filter) {{
    nodes {{ id version {" ".join(CUSTOMER_FIELDS)}
             addresses {{ id {" ".join(ADDRESS_FIELDS)} }} }}
  }}
}}"""
ONE = f"""
query($id: ID!) {{
  customer(id: $id) {{ {" ".join(CUSTOMER_FIELDS)} addresses {{ id {" ".join(ADDRESS_FIELDS)} }} }}
}}"""
UPDATE = """
mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id version } userErrors { field code message } }
}"""
UPDATE_ADDRESS = """
mutation($input: UpdateCustomerAddressInput!) {
  updateCustomerAddress(input: $input) {
    customer { id } userErrors { field code message }
  }
}"""
WRITES = ("POST", "PUT", "PATCH", "DELETE")
"""Methods that change a record; a read that goes by POST (Square's bulk retrieve and
search) is told apart by its route."""
READ_ROUTES = ("bulk-retrieve", "/search")


async def a_customer_with_an_address(gw: Gateway, provider: ProviderName) -> dict[str, Any]:
    data = await gw.data(READ, filter={"providers": [provider.name]})
    return next(c for c in data["customers"]["nodes"] if c["addresses"])


def writes(stats: dict[str, Any], slug: str) -> dict[str, int]:
    routes: dict[str, int] = stats[slug]["routes"]
    return {
        route: count
        for route, count in routes.items()
        if route.split(" ", 1)[0] in WRITES and not any(r in route for r in READ_ROUTES)
    }


@pytest.mark.parametrize("provider", list(ProviderName), ids=lambda p: p.value)
async def test_a_customer_read_is_written_back_unchanged(
    gateway: Gateway, provider: ProviderName
) -> None:
    customer = await a_customer_with_an_address(gateway, provider)
    fields = {name: customer[name] for name in CUSTOMER_FIELDS}
    await gateway.reset_stats()

    body = await gateway.data(
        UPDATE,
        input={"id": customer["id"], "expectedVersion": customer["version"], **fields},
    )

    assert body["updateCustomer"]["userErrors"] == []
    assert writes(await gateway.stats(), provider.value), "the stored fields were sent"
    after = (await gateway.data(ONE, id=customer["id"]))["customer"]
    assert {name: after[name] for name in CUSTOMER_FIELDS} == fields


@pytest.mark.parametrize("provider", list(ProviderName), ids=lambda p: p.value)
async def test_an_address_read_is_written_back_unchanged(
    gateway: Gateway, provider: ProviderName
) -> None:
    customer = await a_customer_with_an_address(gateway, provider)
    address = customer["addresses"][0]
    values = {name: address[name] for name in ADDRESS_FIELDS}
    await gateway.reset_stats()

    body = await gateway.data(
        UPDATE_ADDRESS,
        input={"customerId": customer["id"], "addressId": address["id"], "address": values},
    )

    assert body["updateCustomerAddress"]["userErrors"] == []
    assert writes(await gateway.stats(), provider.value), "the stored fields were sent"
    after = (await gateway.data(ONE, id=customer["id"]))["customer"]
    again = next(a for a in after["addresses"] if a["id"] == address["id"])
    assert {name: again[name] for name in ADDRESS_FIELDS} == values


UNSTORED_CHANGES = [
    (ProviderName.SQUARE, {"locale": "fr_FR"}, ["input", "locale"]),
    (ProviderName.CLOVER, {"nickname": "Ace"}, ["input", "nickname"]),
    (ProviderName.ELASTIC_PATH, {"givenName": "Ada"}, ["input", "givenName"]),
    (ProviderName.DIGITAL_RIVER, {"birthday": "1990-01-01"}, ["input", "birthday"]),
]


@pytest.mark.parametrize(
    ("provider", "change", "field"), UNSTORED_CHANGES, ids=lambda v: getattr(v, "value", "")
)
async def test_a_real_change_to_an_unstored_field_is_refused_before_any_call(
    gateway: Gateway, provider: ProviderName, change: dict[str, Any], field: list[str]
) -> None:
    customer = await a_customer_with_an_address(gateway, provider)
    await gateway.reset_stats()

    body = await gateway.data(UPDATE, input={"id": customer["id"], **change})

    [error] = body["updateCustomer"]["userErrors"]
    assert (error["code"], error["field"]) == ("UNSUPPORTED_FIELD", field)
    assert await gateway.calls(provider.value) == 0


@pytest.mark.parametrize(
    "provider", [ProviderName.SQUARE, ProviderName.CLOVER], ids=lambda p: p.value
)
async def test_a_changed_derived_name_is_refused_without_a_write(
    gateway: Gateway, provider: ProviderName
) -> None:
    customer = await a_customer_with_an_address(gateway, provider)
    await gateway.reset_stats()

    body = await gateway.data(
        UPDATE, input={"id": customer["id"], "displayName": "Someone Else Entirely"}
    )

    [error] = body["updateCustomer"]["userErrors"]
    assert (error["code"], error["field"]) == ("UNSUPPORTED_FIELD", ["input", "displayName"])
    assert writes(await gateway.stats(), provider.value) == {}


@pytest.mark.parametrize(
    "provider", [ProviderName.SQUARE, ProviderName.DIGITAL_RIVER], ids=lambda p: p.value
)
async def test_another_label_on_a_one_address_provider_is_refused_before_any_call(
    gateway: Gateway, provider: ProviderName
) -> None:
    customer = await a_customer_with_an_address(gateway, provider)
    address = customer["addresses"][0]
    await gateway.reset_stats()

    body = await gateway.data(
        UPDATE_ADDRESS,
        input={
            "customerId": customer["id"],
            "addressId": address["id"],
            "address": {"label": "holiday", "firstName": None},
        },
    )

    [error] = body["updateCustomerAddress"]["userErrors"]
    assert (error["code"], error["field"]) == ("UNSUPPORTED_FIELD", ["input", "address", "label"])
    assert await gateway.calls(provider.value) == 0
