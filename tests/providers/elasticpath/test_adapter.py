"""Elastic Path's own quirks through the public GraphQL API, against its sandbox."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway import ids
from gateway.config import SandboxSettings
from gateway.model import CustomerRef, ProviderName
from sandboxes.seed import for_provider, people
from tests.conftest import Gateway, make_settings, open_gateway
from tests.contract.test_customers import ADDRESS_MUTATION, CREATE, UPDATE, create
from tests.providers.elasticpath.case import CASE as ELASTIC_PATH

SLUG = ELASTIC_PATH.slug
ADDRESS_FIELDS = (
    "id label firstName lastName companyName phone line1 line2 city region postalCode country"
    " instructions"
)
WITH_ADDRESSES = f"""
query($id: ID!) {{ customer(id: $id) {{ id hasPassword addresses {{ {ADDRESS_FIELDS} }} }} }}"""
LIST = """
query($filter: CustomerFilter, $first: Int, $after: String) {
  customers(filter: $filter, first: $first, after: $after) {
    nodes { id providerId displayName email referenceId createdAt }
    pageInfo { hasNextPage endCursor }
  }
}"""
FULL_ADDRESS = ELASTIC_PATH.address
TOKEN_ROUTE = "POST /oauth/access_token"
GET_ROUTE = "GET /v2/customers/{customer_id}"
ADDRESSES_ROUTE = "GET /v2/customers/{customer_id}/addresses"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
async def gw() -> AsyncIterator[Gateway]:
    """Uncached, so every upstream call shows in the stats; a deadline loaded CI meets."""
    settings = make_settings(cache={"enabled": False}, elasticpath={"timeout_s": 5.0})
    async for gateway in open_gateway(settings):
        yield gateway


def routes(stats: dict[str, Any]) -> dict[str, int]:
    found: dict[str, int] = stats[SLUG]["routes"]
    return found


def seeded() -> tuple[Any, ...]:
    settings = SandboxSettings()
    return for_provider(people(settings.seed, settings.people), ProviderName.ELASTIC_PATH)


async def add_address(gw: Gateway, customer_id: str, address: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await gw.data(
            ADDRESS_MUTATION.format(input="AddCustomerAddressInput", name="addCustomerAddress"),
            input={"customerId": customer_id, "address": address},
        )
    )["addCustomerAddress"]
    assert payload["userErrors"] == []
    return payload


async def addresses_of(gw: Gateway, customer_id: str) -> list[dict[str, Any]]:
    customer = (await gw.data(WITH_ADDRESSES, id=customer_id))["customer"]
    assert customer is not None
    found: list[dict[str, Any]] = customer["addresses"]
    return found


async def test_duplicate_email_is_duplicate_on_create_and_update(gw: Gateway) -> None:
    first = await create(gw, ELASTIC_PATH)
    again = (
        await gw.data(
            CREATE,
            input={
                "provider": "ELASTIC_PATH",
                "displayName": "Someone Else",
                "email": ELASTIC_PATH.new_customer["email"].upper(),
            },
        )
    )["createCustomer"]
    assert again["customer"] is None
    assert [(e["code"], e["field"]) for e in again["userErrors"]] == [
        ("DUPLICATE", ["input", "email"])
    ]

    other = await create(gw, ELASTIC_PATH, email="other.person@example.com")
    taken = (await gw.data(UPDATE, input={"id": other["id"], "email": first["email"]}))[
        "updateCustomer"
    ]
    assert [(e["code"], e["field"]) for e in taken["userErrors"]] == [
        ("DUPLICATE", ["input", "email"])
    ]
    stored = await gw.data("query($id: ID!) { customer(id: $id) { email } }", id=other["id"])
    assert stored["customer"]["email"] == "other.person@example.com"


async def test_five_addresses_read_back_in_one_query(gw: Gateway) -> None:
    created = await create(gw, ELASTIC_PATH)
    labels = ["home", "office", "holiday", "parents", "studio"]
    for number, label in enumerate(labels, start=1):
        await add_address(
            gw, created["id"], {**FULL_ADDRESS, "label": label, "line1": f"{number} Main St"}
        )
    await gw.reset_stats()

    addresses = await addresses_of(gw, created["id"])

    assert [a["label"] for a in addresses] == labels
    assert [a["line1"] for a in addresses] == [f"{n} Main St" for n in range(1, 6)]
    assert len({a["id"] for a in addresses}) == 5
    assert routes(await gw.stats()) == {GET_ROUTE: 1, ADDRESSES_ROUTE: 1}


async def test_a_page_reads_addresses_one_call_per_customer(gw: Gateway) -> None:
    await gw.reset_stats()
    page = (
        await gw.data(
            """{ customers(filter: {providers: [ELASTIC_PATH]}, first: 15) {
                   nodes { addresses { id line1 } } } }"""
        )
    )["customers"]["nodes"]
    assert len(page) == 15
    assert all(node["addresses"] for node in page)
    stats = routes(await gw.stats())
    assert stats[ADDRESSES_ROUTE] == 15
    assert GET_ROUTE not in stats


async def test_updating_one_address_field_keeps_the_rest(gw: Gateway) -> None:
    created = await create(gw, ELASTIC_PATH, address=FULL_ADDRESS)
    await add_address(gw, created["id"], {**FULL_ADDRESS, "label": "office"})
    first, second = await addresses_of(gw, created["id"])

    payload = (
        await gw.data(
            ADDRESS_MUTATION.format(
                input="UpdateCustomerAddressInput", name="updateCustomerAddress"
            ),
            input={
                "customerId": created["id"],
                "addressId": first["id"],
                "address": {"instructions": "Ring twice"},
            },
        )
    )["updateCustomerAddress"]
    assert payload["userErrors"] == []

    after_first, after_second = await addresses_of(gw, created["id"])
    assert after_first == {**first, "instructions": "Ring twice"}
    assert after_second == second

    cleared = (
        await gw.data(
            ADDRESS_MUTATION.format(
                input="UpdateCustomerAddressInput", name="updateCustomerAddress"
            ),
            input={
                "customerId": created["id"],
                "addressId": first["id"],
                "address": {"region": None, "companyName": None},
            },
        )
    )["updateCustomerAddress"]
    assert cleared["userErrors"] == []
    final, _ = await addresses_of(gw, created["id"])
    assert final == {**first, "instructions": "Ring twice", "region": None, "companyName": None}


async def test_unknown_address_or_customer_is_not_found(gw: Gateway) -> None:
    created = await create(gw, ELASTIC_PATH)
    update = ADDRESS_MUTATION.format(
        input="UpdateCustomerAddressInput", name="updateCustomerAddress"
    )
    missing_address = (
        await gw.data(
            update,
            input={
                "customerId": created["id"],
                "addressId": ELASTIC_PATH.missing_ids["address"],
                "address": {"city": "X"},
            },
        )
    )["updateCustomerAddress"]
    assert [(e["code"], e["field"]) for e in missing_address["userErrors"]] == [
        ("NOT_FOUND", ["input", "addressId"])
    ]
    ghost = ids.customer_id(
        CustomerRef(ProviderName.ELASTIC_PATH, ELASTIC_PATH.missing_ids["customer"])
    )
    missing_customer = (
        await gw.data(
            ADDRESS_MUTATION.format(input="AddCustomerAddressInput", name="addCustomerAddress"),
            input={"customerId": ghost, "address": FULL_ADDRESS},
        )
    )["addCustomerAddress"]
    assert [(e["code"], e["field"]) for e in missing_customer["userErrors"]] == [
        ("NOT_FOUND", ["input", "customerId"])
    ]


async def test_password_sets_has_password_and_is_never_shown(
    gw: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []

    async def gql(query: str, **variables: Any) -> dict[str, Any]:
        response = await gw.client.post("/graphql", json={"query": query, "variables": variables})
        texts.append(response.text)
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    fields = "id hasPassword native version"
    created = (
        await gql(
            f"mutation($input: CreateCustomerInput!) {{ createCustomer(input: $input) "
            f"{{ customer {{ {fields} }} userErrors {{ code }} }} }}",
            input={"provider": "ELASTIC_PATH", **ELASTIC_PATH.new_customer},
        )
    )["createCustomer"]["customer"]
    assert created["hasPassword"] is False
    updated = (
        await gql(
            f"mutation($input: UpdateCustomerInput!) {{ updateCustomer(input: $input) "
            f"{{ customer {{ {fields} }} userErrors {{ code }} }} }}",
            input={"id": created["id"], "password": PASSWORD},
        )
    )["updateCustomer"]
    assert updated["userErrors"] == []
    assert updated["customer"]["hasPassword"] is True
    assert updated["customer"]["native"]["password"] is True
    read = await gql(f"query($id: ID!) {{ customer(id: $id) {{ {fields} }} }}", id=created["id"])
    assert read["customer"]["hasPassword"] is True

    # The password really was stored: the customer can log in with it at Elastic Path.
    token = await gw.client.post(
        f"/sandbox/{SLUG}/oauth/access_token",
        data={"grant_type": "implicit", "client_id": "sandbox-elasticpath-client-id"},
    )
    login = await gw.client.post(
        f"/sandbox/{SLUG}/v2/customers/tokens",
        json={"data": {"type": "token", "email": created["native"]["email"], "password": PASSWORD}},
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert login.status_code == 200
    assert login.json()["data"]["customer_id"] == created["native"]["id"]

    assert len(texts) == 3
    assert all(PASSWORD not in text for text in texts)
    assert caplog.records, "the gateway logs at DEBUG, so the check below sees something"
    assert all(
        PASSWORD not in r.getMessage() and PASSWORD not in str(r.args) for r in caplog.records
    )


async def test_create_with_password_and_address(gw: Gateway) -> None:
    created = await create(gw, ELASTIC_PATH, password=PASSWORD, address=FULL_ADDRESS)
    assert created["hasPassword"] is True
    [address] = created["addresses"]
    for name, value in FULL_ADDRESS.items():
        assert address[name] == value, name
    assert created["paymentSources"] == []


async def test_expired_token_is_renewed_transparently(gw: Gateway) -> None:
    created = await create(gw, ELASTIC_PATH)
    assert (await gw.client.post(f"/sandbox/{SLUG}/_tokens/expire")).status_code == 204
    await gw.reset_stats()

    customer = await gw.data("query($id: ID!) { customer(id: $id) { email } }", id=created["id"])
    assert customer["customer"]["email"] == created["email"]
    assert routes(await gw.stats()) == {TOKEN_ROUTE: 1, GET_ROUTE: 2}

    await gw.reset_stats()
    await gw.data("query($id: ID!) { customer(id: $id) { email } }", id=created["id"])
    assert routes(await gw.stats()) == {GET_ROUTE: 1}


async def test_a_refused_renewal_is_not_retried_in_a_loop(gw: Gateway) -> None:
    created = await create(gw, ELASTIC_PATH)
    lifetime = await gw.client.put(f"/sandbox/{SLUG}/_tokens/lifetime", json={"seconds": 0})
    assert lifetime.status_code == 200
    assert (await gw.client.post(f"/sandbox/{SLUG}/_tokens/expire")).status_code == 204
    await gw.reset_stats()

    body = await gw.gql("query($id: ID!) { customer(id: $id) { email } }", id=created["id"])

    [error] = body["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "provider": "ELASTIC_PATH"}
    assert routes(await gw.stats()) == {TOKEN_ROUTE: 1, GET_ROUTE: 2}


async def test_a_token_at_the_end_of_its_life_is_renewed_before_use(
    gw: Gateway,
) -> None:
    created = await create(gw, ELASTIC_PATH)
    await gw.client.put(f"/sandbox/{SLUG}/_tokens/lifetime", json={"seconds": 0})
    await gw.client.post(f"/sandbox/{SLUG}/_tokens/expire")
    await gw.gql("query($id: ID!) { customer(id: $id) { email } }", id=created["id"])
    # The gateway now holds a token issued with no life left; the store issues normal ones again.
    await gw.client.put(f"/sandbox/{SLUG}/_tokens/lifetime", json={"seconds": 3600})
    await gw.reset_stats()

    await gw.data("query($id: ID!) { customer(id: $id) { email } }", id=created["id"])

    assert routes(await gw.stats()) == {TOKEN_ROUTE: 1, GET_ROUTE: 1}


async def test_orders_are_in_minor_units_newest_first(gw: Gateway) -> None:
    by_key = {person.key: person for person in seeded()}
    await gw.reset_stats()
    nodes = (
        await gw.data(
            """{ customers(filter: {providers: [ELASTIC_PATH]}, first: 10) { nodes {
                   referenceId
                   orders(first: 10) { nodes { status total { amount currency } createdAt } }
               } } }"""
        )
    )["customers"]["nodes"]
    assert len(nodes) == 10
    states = {"COMPLETED": "complete", "OPEN": "processing", "CANCELED": "cancelled"}
    for node in nodes:
        person = by_key[node["referenceId"]]
        expected = sorted(person.orders, key=lambda o: o.created_at, reverse=True)
        assert [
            (o["status"], o["total"]["amount"], o["total"]["currency"])
            for o in node["orders"]["nodes"]
        ] == [(states[o.state], o.amount, o.currency) for o in expected]
    assert routes(await gw.stats())["GET /v2/orders"] == 10


async def test_clearing_name_or_email_is_invalid_and_sends_nothing(
    gw: Gateway,
) -> None:
    created = await create(gw, ELASTIC_PATH)
    await gw.reset_stats()
    for field in ("displayName", "email"):
        payload = (await gw.data(UPDATE, input={"id": created["id"], field: None}))[
            "updateCustomer"
        ]
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            ("INVALID", ["input", field])
        ]
    missing_name = (
        await gw.data(CREATE, input={"provider": "ELASTIC_PATH", "email": "no.name@example.com"})
    )["createCustomer"]
    assert [(e["code"], e["field"]) for e in missing_name["userErrors"]] == [
        ("INVALID", ["input", "displayName"])
    ]
    assert await gw.calls(SLUG) == 0


async def test_forget_deletes_the_customer(gw: Gateway) -> None:
    created = await create(gw, ELASTIC_PATH)
    forgotten = (
        await gw.data(
            """mutation($input: ForgetCustomerInput!) {
                 forgetCustomer(input: $input) { outcome userErrors { code } } }""",
            input={"id": created["id"]},
        )
    )["forgetCustomer"]
    assert forgotten == {"outcome": "DELETED", "userErrors": []}
    gone = await gw.data("query($id: ID!) { customer(id: $id) { id } }", id=created["id"])
    assert gone["customer"] is None


async def test_listing_pages_through_every_seeded_customer(gw: Gateway) -> None:
    expected = len(seeded())
    seen: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = (await gw.data(LIST, filter={"providers": ["ELASTIC_PATH"]}, first=30, after=after))[
            "customers"
        ]
        seen += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == expected
    assert len({n["id"] for n in seen}) == expected
    stamps = [n["createdAt"] for n in seen]
    assert stamps == sorted(stamps, reverse=True)


@pytest.mark.parametrize(
    ("flt", "keep"),
    [
        ({"name": "hopper"}, lambda p: "hopper" in f"{p.given_name} {p.family_name}".lower()),
        ({"referenceId": "p004"}, lambda p: p.key == "p004"),
        (
            {"createdAfter": "2025-01-01T00:00:00Z", "createdBefore": "2025-07-01T00:00:00Z"},
            lambda p: (
                "2025-01-01" <= p.created_in(ProviderName.ELASTIC_PATH).isoformat() < "2025-07-01"
            ),
        ),
    ],
    ids=["name", "referenceId", "created-window"],
)
async def test_filters_match_the_seed(gw: Gateway, flt: dict[str, Any], keep: Any) -> None:
    expected = {p.key for p in seeded() if keep(p)}
    assert expected, "the seed has customers for this filter"
    found = (await gw.data(LIST, filter={"providers": ["ELASTIC_PATH"], **flt}, first=100))[
        "customers"
    ]["nodes"]
    assert {n["referenceId"] for n in found} == expected


async def test_phone_filter_finds_nobody_without_asking(gw: Gateway) -> None:
    await gw.data("{ providers { provider } }")
    await gw.reset_stats()
    found = (
        await gw.data(LIST, filter={"providers": ["ELASTIC_PATH"], "phone": "+1 415 555 0100"})
    )["customers"]
    assert found["nodes"] == []
    assert await gw.calls(SLUG) == 0
