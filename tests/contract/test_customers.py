"""The contract suite: every provider through the public GraphQL API, the same way."""

from __future__ import annotations

import re
from typing import Any

import pytest

from gateway import ids
from gateway.contract import Operation
from gateway.model import CustomerRef, ProviderName
from tests.conftest import Gateway
from tests.contract.cases import CASES, SAMPLE_VALUES, ProviderCase

pytestmark = pytest.mark.parametrize("case", CASES, ids=[c.slug for c in CASES])

FIELDS = """
  id provider providerId version email givenName familyName displayName companyName phone
  nickname note birthday referenceId locale customerType enabled hasPassword metadata
  createdAt updatedAt native
  addresses {
    id label firstName lastName companyName phone line1 line2 city region postalCode country
    instructions
  }
  paymentSources { id kind brand last4 expMonth expYear isDefault }
  defaultPaymentSource { id }
  orders(first: 5) {
    nodes { id providerId status total { amount currency } createdAt }
    pageInfo { hasNextPage }
  }
"""
CREATE = f"""
mutation($input: CreateCustomerInput!) {{
  createCustomer(input: $input) {{ customer {{ {FIELDS} }} userErrors {{ field code message }} }}
}}"""
UPDATE = f"""
mutation($input: UpdateCustomerInput!) {{
  updateCustomer(input: $input) {{ customer {{ {FIELDS} }} userErrors {{ field code message }} }}
}}"""
DELETE = """
mutation($input: DeleteCustomerInput!) {
  deleteCustomer(input: $input) { deletedId userErrors { field code message } }
}"""
READ = f"query($id: ID!) {{ customer(id: $id) {{ {FIELDS} }} }}"
ADDRESS_MUTATION = """
mutation($input: {input}!) {{
  {name}(input: $input) {{
    customer {{ id version addresses {{ id label line1 line2 city region postalCode country }} }}
    userErrors {{ field code message }}
  }}
}}"""
PAYMENT_MUTATION = """
mutation($input: {input}!) {{
  {name}(input: $input) {{
    customer {{ id paymentSources {{ id last4 brand isDefault }} defaultPaymentSource {{ id }} }}
    userErrors {{ field code message }}
  }}
}}"""


async def create(gw: Gateway, case: ProviderCase, **extra: Any) -> dict[str, Any]:
    payload = (
        await gw.data(CREATE, input={"provider": case.provider, **case.new_customer, **extra})
    )["createCustomer"]
    assert payload["userErrors"] == []
    customer: dict[str, Any] = payload["customer"]
    return customer


async def read(gw: Gateway, customer_id: str) -> dict[str, Any] | None:
    customer: dict[str, Any] | None = (await gw.data(READ, id=customer_id))["customer"]
    return customer


def digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


async def test_create_then_read_back(gateway: Gateway, case: ProviderCase) -> None:
    created = await create(gateway, case)
    again = await read(gateway, created["id"])
    assert again is not None
    assert again["provider"] == case.provider
    for name, value in case.new_customer.items():
        if name == "phone":
            assert digits(again["phone"]) == digits(value)
        else:
            assert again[name] == value, name
    assert again["version"] == created["version"]


async def test_list_finds_seeded_and_filters_by_email(gateway: Gateway, case: ProviderCase) -> None:
    query = """
    query($filter: CustomerFilter, $first: Int) {
      customers(filter: $filter, first: $first) {
        nodes { id provider email createdAt }
        pageInfo { hasNextPage }
      }
    }"""
    seeded = (await gateway.data(query, filter={"providers": [case.provider]}, first=10))[
        "customers"
    ]
    assert len(seeded["nodes"]) == 10
    assert seeded["pageInfo"]["hasNextPage"] is True
    assert {n["provider"] for n in seeded["nodes"]} == {case.provider}
    stamps = [n["createdAt"] for n in seeded["nodes"]]
    assert stamps == sorted(stamps, reverse=True)

    created = await create(gateway, case)
    found = (
        await gateway.data(
            query,
            filter={"providers": [case.provider], "email": case.new_customer["email"].upper()},
        )
    )["customers"]
    assert [n["id"] for n in found["nodes"]] == [created["id"]]


async def test_update_changes_field_and_version(gateway: Gateway, case: ProviderCase) -> None:
    created = await create(gateway, case)
    payload = (
        await gateway.data(
            UPDATE,
            input={
                "id": created["id"],
                case.text_field: "Augusta",
                "expectedVersion": created["version"],
            },
        )
    )["updateCustomer"]
    assert payload["userErrors"] == []
    assert payload["customer"][case.text_field] == "Augusta"
    assert payload["customer"]["version"] != created["version"]
    assert payload["customer"]["familyName"] == created["familyName"]
    stored = await read(gateway, created["id"])
    assert stored is not None
    assert stored[case.text_field] == "Augusta"


async def test_stale_version_conflicts_and_changes_nothing(
    gateway: Gateway, case: ProviderCase
) -> None:
    created = await create(gateway, case)
    first = await gateway.data(
        UPDATE,
        input={
            "id": created["id"],
            case.text_field: "first",
            "expectedVersion": created["version"],
        },
    )
    assert first["updateCustomer"]["userErrors"] == []
    stale = (
        await gateway.data(
            UPDATE,
            input={
                "id": created["id"],
                case.text_field: "second",
                "expectedVersion": created["version"],
            },
        )
    )["updateCustomer"]
    assert stale["customer"] is None
    assert [(e["code"], e["field"]) for e in stale["userErrors"]] == [
        ("CONFLICT", ["input", "expectedVersion"])
    ]
    stored = await read(gateway, created["id"])
    assert stored is not None
    assert stored[case.text_field] == "first"

    deleted = (
        await gateway.data(
            DELETE, input={"id": created["id"], "expectedVersion": created["version"]}
        )
    )["deleteCustomer"]
    assert deleted["deletedId"] is None
    assert deleted["userErrors"][0]["code"] == "CONFLICT"
    assert await read(gateway, created["id"]) is not None


async def test_same_idempotency_key_creates_once(gateway: Gateway, case: ProviderCase) -> None:
    await gateway.reset_stats()
    key = f"contract-idem-{case.slug}"
    first = await create(gateway, case, idempotencyKey=key)
    second = await create(gateway, case, idempotencyKey=key)
    assert first["id"] == second["id"]
    stats = await gateway.stats()
    expected_calls = 2 if case.native_idempotency else 1
    assert stats[case.slug]["routes"].get(case.create_route) == expected_calls
    listed = await gateway.data(
        """query($filter: CustomerFilter) { customers(filter: $filter) { nodes { id } } }""",
        filter={"providers": [case.provider], "email": case.new_customer["email"]},
    )
    assert [n["id"] for n in listed["customers"]["nodes"]] == [first["id"]]


async def test_explicit_null_clears_and_omitted_stays(gateway: Gateway, case: ProviderCase) -> None:
    created = await create(gateway, case)
    assert created[case.clearable] is not None
    payload = (await gateway.data(UPDATE, input={"id": created["id"], case.clearable: None}))[
        "updateCustomer"
    ]
    assert payload["userErrors"] == []
    stored = await read(gateway, created["id"])
    assert stored is not None
    assert stored[case.clearable] is None
    assert stored["email"] == created["email"]
    assert stored["givenName"] == created["givenName"]


async def test_address_add_partial_update_and_remove(gateway: Gateway, case: ProviderCase) -> None:
    created = await create(gateway, case)
    for address in created["addresses"]:
        removed = await gateway.data(
            ADDRESS_MUTATION.format(
                input="RemoveCustomerAddressInput", name="removeCustomerAddress"
            ),
            input={"customerId": created["id"], "addressId": address["id"]},
        )
        assert removed["removeCustomerAddress"]["userErrors"] == []
    added = (
        await gateway.data(
            ADDRESS_MUTATION.format(input="AddCustomerAddressInput", name="addCustomerAddress"),
            input={"customerId": created["id"], "address": case.address},
        )
    )["addCustomerAddress"]
    assert added["userErrors"] == []
    [address] = added["customer"]["addresses"]
    assert address["line1"] == case.address["line1"]

    updated = (
        await gateway.data(
            ADDRESS_MUTATION.format(
                input="UpdateCustomerAddressInput", name="updateCustomerAddress"
            ),
            input={
                "customerId": created["id"],
                "addressId": address["id"],
                "address": {"city": "Shelbyville"},
            },
        )
    )["updateCustomerAddress"]
    assert updated["userErrors"] == []
    stored = await read(gateway, created["id"])
    assert stored is not None
    [after] = stored["addresses"]
    assert after["city"] == "Shelbyville"
    for name in ("line1", "line2", "region", "postalCode", "country"):
        assert after[name] == case.address[name], name

    removed = (
        await gateway.data(
            ADDRESS_MUTATION.format(
                input="RemoveCustomerAddressInput", name="removeCustomerAddress"
            ),
            input={"customerId": created["id"], "addressId": after["id"]},
        )
    )["removeCustomerAddress"]
    assert removed["userErrors"] == []
    assert removed["customer"]["addresses"] == []


async def test_invalid_email_is_typed_and_sends_nothing(
    gateway: Gateway, case: ProviderCase
) -> None:
    await gateway.reset_stats()
    payload = (
        await gateway.data(
            CREATE, input={"provider": case.provider, **case.new_customer, "email": "not-an-email"}
        )
    )["createCustomer"]
    assert payload["customer"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID", ["input", "email"])
    ]
    assert await gateway.calls(case.slug) == 0


async def test_unsupported_field_is_refused(gateway: Gateway, case: ProviderCase) -> None:
    assert case.unsupported_field is not None, "every provider lacks some unified field"
    name, value = case.unsupported_field
    payload = (
        await gateway.data(
            CREATE, input={"provider": case.provider, **case.new_customer, name: value}
        )
    )["createCustomer"]
    assert payload["customer"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("UNSUPPORTED_FIELD", ["input", name])
    ]


async def test_writable_fields_tell_the_truth(gateway: Gateway, case: ProviderCase) -> None:
    statuses = (await gateway.data("{ providers { provider enabled mode writableFields } }"))[
        "providers"
    ]
    [status] = [s for s in statuses if s["provider"] == case.provider]
    assert status["enabled"] is True
    assert status["mode"] == "sandbox"
    created = await create(gateway, case)
    writable = [f for f in status["writableFields"] if f in SAMPLE_VALUES]
    assert writable, "every provider stores some unified field"
    payload = (
        await gateway.data(
            UPDATE, input={"id": created["id"], **{f: SAMPLE_VALUES[f] for f in writable}}
        )
    )["updateCustomer"]
    assert payload["userErrors"] == []
    stored = await read(gateway, created["id"])
    assert stored is not None
    for name in writable:
        if name == "phone":
            assert digits(stored[name]).endswith(digits(SAMPLE_VALUES[name])[-10:])
        else:
            assert stored[name] == SAMPLE_VALUES[name], name
    for name in set(SAMPLE_VALUES) - set(status["writableFields"]):
        if stored.get(name) == SAMPLE_VALUES[name]:
            continue  # the value shown (a derived displayName): writing it back is a no-op
        refused = (
            await gateway.data(UPDATE, input={"id": created["id"], name: SAMPLE_VALUES[name]})
        )["updateCustomer"]
        assert [e["code"] for e in refused["userErrors"]] == ["UNSUPPORTED_FIELD"], name


async def test_unknown_id_is_not_found(gateway: Gateway, case: ProviderCase) -> None:
    missing = ids.customer_id(
        CustomerRef(ProviderName[case.provider], case.missing_ids["customer"])
    )
    assert await read(gateway, missing) is None
    payload = (await gateway.data(UPDATE, input={"id": missing, case.text_field: "x"}))[
        "updateCustomer"
    ]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("NOT_FOUND", ["input", "id"])
    ]


async def test_delete_then_gone(gateway: Gateway, case: ProviderCase) -> None:
    created = await create(gateway, case)
    deleted = (await gateway.data(DELETE, input={"id": created["id"]}))["deleteCustomer"]
    assert deleted == {"deletedId": created["id"], "userErrors": []}
    assert await read(gateway, created["id"]) is None


async def test_malformed_id_is_bad_user_input(gateway: Gateway, case: ProviderCase) -> None:
    body = await gateway.gql(READ, id="definitely-not-ours")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["data"] == {"customer": None}


async def test_payment_source_attach_and_detach(gateway: Gateway, case: ProviderCase) -> None:
    created = await create(gateway, case)
    if case.payment_token is None:
        assert "attachPaymentSource" not in case.operations
        assert created["paymentSources"] == []
        assert created["defaultPaymentSource"] is None
        return
    attached = (
        await gateway.data(
            PAYMENT_MUTATION.format(input="AttachPaymentSourceInput", name="attachPaymentSource"),
            input={"customerId": created["id"], "token": case.payment_token},
        )
    )["attachPaymentSource"]
    assert attached["userErrors"] == []
    [source] = attached["customer"]["paymentSources"]
    assert source["last4"]
    detached = (
        await gateway.data(
            PAYMENT_MUTATION.format(input="DetachPaymentSourceInput", name="detachPaymentSource"),
            input={"customerId": created["id"], "paymentSourceId": source["id"]},
        )
    )["detachPaymentSource"]
    assert detached["userErrors"] == []
    assert detached["customer"]["paymentSources"] == []


def operation_inputs(case: ProviderCase, customer_id: str) -> dict[str, tuple[str, Any]]:
    """Every contract mutation with an input of the right shape, destructive ones last."""
    address = {"customerId": customer_id, "addressId": case.missing_ids["address"]}
    source = {"customerId": customer_id, "paymentSourceId": case.missing_ids["source"]}
    new_customer = {**case.new_customer, "email": "operations.contract@example.com"}
    return {
        "createCustomer": ("CreateCustomerInput", {"provider": case.provider, **new_customer}),
        "updateCustomer": ("UpdateCustomerInput", {"id": customer_id, case.text_field: "x"}),
        "addCustomerAddress": (
            "AddCustomerAddressInput",
            {"customerId": customer_id, "address": case.address},
        ),
        "updateCustomerAddress": (
            "UpdateCustomerAddressInput",
            {**address, "address": {"city": "Shelbyville"}},
        ),
        "removeCustomerAddress": ("RemoveCustomerAddressInput", address),
        "attachPaymentSource": (
            "AttachPaymentSourceInput",
            {"customerId": customer_id, "token": case.payment_token or "tok"},
        ),
        "detachPaymentSource": ("DetachPaymentSourceInput", source),
        "setDefaultPaymentSource": ("SetDefaultPaymentSourceInput", source),
        "deleteCustomer": ("DeleteCustomerInput", {"id": customer_id}),
        "forgetCustomer": ("ForgetCustomerInput", {"id": customer_id}),
    }


async def test_unsupported_operations_answer_so(gateway: Gateway, case: ProviderCase) -> None:
    """Each operation the provider does not list is refused as such before any call;
    each one it lists is attempted (it may fail for other reasons, never that one)."""
    created = await create(gateway, case)
    inputs = operation_inputs(case, created["id"])
    assert set(inputs) == {operation.value for operation in Operation}
    for name, (input_type, value) in inputs.items():
        before = await gateway.calls(case.slug)
        payload = (
            await gateway.data(
                f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ "
                "userErrors { code } } }",
                input=value,
            )
        )[name]
        codes = [e["code"] for e in payload["userErrors"]]
        if name in case.operations:
            assert "UNSUPPORTED_OPERATION" not in codes, name
        else:
            assert codes == ["UNSUPPORTED_OPERATION"], name
            assert await gateway.calls(case.slug) == before, f"{name} reached the provider"


@pytest.mark.parametrize(
    ("faults", "code", "more"),
    [
        ({"error_rate": 1.0, "error_status": 503}, "PROVIDER_UNAVAILABLE", {}),
        ({"hang": True}, "PROVIDER_TIMEOUT", {}),
        # The sandbox's 429 says `retry-after: 1`; the client hears how long to back off.
        ({"error_rate": 1.0, "error_status": 429}, "RATE_LIMITED", {"retryAfter": 1.0}),
    ],
    ids=["503", "hang", "429"],
)
async def test_provider_faults_are_typed_without_internals(
    gateway: Gateway, case: ProviderCase, faults: dict[str, Any], code: str, more: dict[str, Any]
) -> None:
    created = await create(gateway, case)
    await gateway.set_faults(case.slug, **faults)
    body = await gateway.gql(READ, id=created["id"])
    await gateway.clear_faults(case.slug)
    [error] = body["errors"]
    assert error["extensions"] == {"code": code, "provider": case.provider, **more}
    assert error["path"] == ["customer"]
    text = str(body)
    for leak in ("Traceback", "sandbox-", "Bearer", "httpx", "injected fault", 'File "'):
        assert leak not in text
