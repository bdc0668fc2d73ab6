"""Table tests of the pure Clover mapping: no network."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.errors import (
    GatewayError,
    ProviderBadResponse,
    ProviderNotFound,
    ProviderRejected,
    UserErrorCode,
)
from gateway.model import Address, CustomerFields, CustomerQuery, Money, PaymentSourceKind
from gateway.providers.clover import mapping

STORED: dict[str, Any] = {
    "href": "https://apisandbox.dev.clover.com/v3/merchants/M/customers/ABCD1234EFGH5",
    "id": "ABCD1234EFGH5",
    "merchant": {"id": "SBXMERCHANT01"},
    "firstName": "Ada",
    "lastName": "Lovelace",
    "marketingAllowed": False,
    "customerSince": 1718153645000,
    "emailAddresses": {
        "elements": [
            {"id": "E1", "emailAddress": "old@example.com"},
            {"id": "E2", "emailAddress": "ada@example.com", "primaryEmail": True},
        ]
    },
    "phoneNumbers": {"elements": [{"id": "P1", "phoneNumber": "(415) 555-0100"}]},
    "metadata": {
        "businessName": "Analytical Engines",
        "note": "Prefers email",
        "dobMonth": 12,
        "dobDay": 10,
        "modifiedTime": 1718153645000,
    },
}


def test_to_customer_reads_names_contacts_and_metadata() -> None:
    customer = mapping.to_customer(STORED)
    assert customer.provider_id == "ABCD1234EFGH5"
    assert (customer.given_name, customer.family_name) == ("Ada", "Lovelace")
    assert customer.display_name == "Ada Lovelace"
    assert customer.email == "ada@example.com"
    assert customer.phone == "(415) 555-0100"
    assert (customer.company_name, customer.note) == ("Analytical Engines", "Prefers email")
    assert customer.birthday == "--12-10"
    assert customer.created_at == datetime(2024, 6, 12, 0, 54, 5, tzinfo=UTC)
    assert customer.updated_at is None


def test_to_customer_without_expansions_or_names() -> None:
    customer = mapping.to_customer(
        {"id": "X", "customerSince": 0, "metadata": {"businessName": "Acme"}}
    )
    assert (customer.email, customer.phone, customer.note) == (None, None, None)
    assert customer.display_name == "Acme"


def test_unreadable_customer_is_a_bad_response() -> None:
    with pytest.raises(ProviderBadResponse):
        mapping.to_customer({"firstName": "no id"})


@pytest.mark.parametrize(
    ("emails", "expected"),
    [
        ([], None),
        ([{"id": "1", "emailAddress": "a@x.io"}], "a@x.io"),
        ([{"id": "1", "emailAddress": "a@x.io"}, {"id": "2", "emailAddress": "b@x.io"}], "a@x.io"),
        (
            [
                {"id": "1", "emailAddress": "a@x.io"},
                {"id": "2", "emailAddress": "b@x.io", "primaryEmail": True},
            ],
            "b@x.io",
        ),
    ],
)
def test_primary_email_else_first(emails: list[dict[str, Any]], expected: str | None) -> None:
    found = mapping.primary_email({"emailAddresses": {"elements": emails}})
    assert (found["emailAddress"] if found else None) == expected


def test_version_ignores_href_and_sub_resources_but_not_fields() -> None:
    base = mapping.version_of(STORED)
    moved = {**STORED, "href": "http://elsewhere/x", "addresses": {"elements": [{"id": "A"}]}}
    assert mapping.version_of(moved) == base
    assert mapping.version_of({**STORED, "firstName": "Augusta"}) != base
    changed_note = {**STORED, "metadata": {**STORED["metadata"], "note": "x"}}
    assert mapping.version_of(changed_note) != base


def test_card_tokens_never_reach_native() -> None:
    card = {"id": "C1", "last4": "4242", "token": "secret-multipay-token", "cardType": "VISA"}
    customer = mapping.to_customer({**STORED, "cards": {"elements": [card]}})
    assert "secret" not in str(customer.native)
    assert mapping.payment_sources_of(customer.native)[0].last4 == "4242"


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({}, None),
        ({"dobYear": 1815, "dobMonth": 12, "dobDay": 10}, "1815-12-10"),
        ({"dobMonth": 2, "dobDay": 9}, "--02-09"),
        ({"dobYear": 1990, "dobMonth": 5}, None),
    ],
)
def test_birthday_from_metadata(meta: dict[str, Any], expected: str | None) -> None:
    assert mapping.birthday_from_metadata(meta) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1815-12-10", {"dobYear": 1815, "dobMonth": 12, "dobDay": 10}),
        ("--02-09", {"dobYear": None, "dobMonth": 2, "dobDay": 9}),
        (None, {"dobYear": None, "dobMonth": None, "dobDay": None}),
    ],
)
def test_birthday_to_metadata(value: str | None, expected: dict[str, int | None]) -> None:
    assert mapping.birthday_to_metadata(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1230", (12, 2030)),
        ("0127", (1, 2027)),
        ("1330", (None, None)),
        ("123", (None, None)),
        (None, (None, None)),
    ],
)
def test_expiry_is_mmyy(value: str | None, expected: tuple[int | None, int | None]) -> None:
    assert mapping.expiry(value) == expected


@pytest.mark.parametrize(
    ("card_type", "brand"),
    [("VISA", "VISA"), ("MC", "MASTERCARD"), ("AMEX", "AMERICAN_EXPRESS"), ("JCB", "JCB")],
)
def test_card_brands_use_the_unified_names(card_type: str, brand: str) -> None:
    source = mapping.to_payment_source(
        {"id": "C", "cardType": card_type, "last4": "0005", "expirationDate": "0931"}
    )
    assert (source.brand, source.kind, source.is_default) == (brand, PaymentSourceKind.CARD, False)
    assert (source.exp_month, source.exp_year) == (9, 2031)


def test_addresses_map_to_the_unified_fields_and_back() -> None:
    native = {
        "id": "A1",
        "address1": "1 Main St",
        "address2": "Floor 2",
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
        "country": "US",
        "customer": {"id": "X"},
    }
    [address] = mapping.addresses_of({"addresses": {"elements": [native]}})
    assert address == Address(
        id="A1",
        line1="1 Main St",
        line2="Floor 2",
        city="Springfield",
        region="IL",
        postal_code="62701",
        country="US",
    )
    assert mapping.address_body(address) == {
        k: v for k, v in native.items() if k not in {"id", "customer"}
    }
    assert mapping.missing_address_fields(Address(id="", line1="x", country="US")) == [
        "city",
        "region",
        "postal_code",
    ]


def test_order_from_ecommerce() -> None:
    order = mapping.to_order(
        {
            "id": "O1",
            "object": "order",
            "amount": 1250,
            "currency": "usd",
            "created": 1718153645000,
            "customer": "ABCD1234EFGH5",
            "status": "paid",
        }
    )
    assert (order.provider_id, order.customer_id, order.status) == ("O1", "ABCD1234EFGH5", "PAID")
    assert order.total == Money(1250, "USD")


def test_create_body_nests_contacts_and_metadata() -> None:
    fields: CustomerFields = {
        "given_name": "Ada",
        "email": "ada@example.com",
        "phone": "+1 415 555 0100",
        "note": "hi",
        "birthday": "1815-12-10",
    }
    assert mapping.create_body(fields, None) == {
        "firstName": "Ada",
        "emailAddresses": [{"emailAddress": "ada@example.com", "primaryEmail": True}],
        "phoneNumbers": [{"phoneNumber": "+1 415 555 0100"}],
        "metadata": {"note": "hi", "dobYear": 1815, "dobMonth": 12, "dobDay": 10},
    }


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"given_name": None}, {"firstName": None}),
        ({"family_name": "L"}, {"lastName": "L"}),
        (
            {"note": None},
            {
                "metadata": {
                    "businessName": "Analytical Engines",
                    "note": None,
                    "dobYear": None,
                    "dobMonth": 12,
                    "dobDay": 10,
                }
            },
        ),
        (
            {"birthday": "2001-01-02", "company_name": None},
            {
                "metadata": {
                    "businessName": None,
                    "note": "Prefers email",
                    "dobYear": 2001,
                    "dobMonth": 1,
                    "dobDay": 2,
                }
            },
        ),
        ({"email": "x@y.io"}, {}),
    ],
)
def test_update_body_is_sparse_and_sends_metadata_whole(
    fields: CustomerFields, expected: dict[str, Any]
) -> None:
    assert mapping.update_body(fields, STORED) == expected


def test_ecommerce_body_carries_what_ecommerce_takes() -> None:
    fields: CustomerFields = {"email": "a@x.io", "given_name": "Ada", "phone": "1", "note": "n"}
    assert mapping.ecommerce_customer_body(fields, "clv_1TSTabc") == {
        "email": "a@x.io",
        "source": "clv_1TSTabc",
        "firstName": "Ada",
        "phone": "1",
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (CustomerQuery(email="a@x.io", phone="1", name="Ada"), []),
        (
            CustomerQuery(
                created_after=datetime(2024, 1, 1, tzinfo=UTC),
                created_before=datetime(2024, 1, 2, 0, 0, 0, 500, tzinfo=UTC),
            ),
            ["customerSince>1704067200000", "customerSince<1704153600001"],
        ),
    ],
)
def test_pushdown_only_the_creation_window(query: CustomerQuery, expected: list[str]) -> None:
    assert mapping.pushdown(query) == expected


@pytest.mark.parametrize(
    ("status", "body", "kind", "code", "field"),
    [
        (
            404,
            {"message": "Not Found", "details": "Customer not found"},
            ProviderNotFound,
            None,
            ("input", "id"),
        ),
        (400, {"message": "Invalid value for zip"}, ProviderRejected, UserErrorCode.INVALID, None),
        (405, {"message": "405 Method Not Allowed"}, ProviderBadResponse, None, None),
        (
            400,
            {"error": {"type": "card_error", "code": "token_already_used", "param": "source"}},
            ProviderRejected,
            UserErrorCode.REJECTED_BY_PROVIDER,
            ("input", "token"),
        ),
        (
            400,
            {"error": {"type": "invalid_request_error", "code": "email_invalid", "param": "email"}},
            ProviderRejected,
            UserErrorCode.INVALID,
            ("input", "email"),
        ),
        (
            404,
            {"error": {"type": "invalid_request_error", "code": "resource_missing"}},
            ProviderNotFound,
            None,
            ("input", "id"),
        ),
        (
            404,
            {
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "param": "customer",
                }
            },
            ProviderNotFound,
            None,
            ("input", "customerId"),
        ),
        (
            409,
            {"error": {"type": "invalid_request_error", "code": "card_duplicate"}},
            ProviderRejected,
            UserErrorCode.DUPLICATE,
            ("input", "token"),
        ),
    ],
)
def test_error_from_reads_both_envelopes(
    status: int,
    body: dict[str, Any],
    kind: type[GatewayError],
    code: UserErrorCode | None,
    field: tuple[str, ...] | None,
) -> None:
    error = mapping.error_from(status, body)
    assert type(error) is kind
    if isinstance(error, ProviderRejected):
        assert (error.user_code, error.field) == (code, field)
    if isinstance(error, ProviderNotFound):
        assert error.field == field


def test_a_full_read_fits_two_calls_of_at_most_three_expansions() -> None:
    assert len(mapping.BASE_EXPAND) <= mapping.MAX_EXPAND
    assert len(mapping.EXTRA_EXPAND) <= mapping.MAX_EXPAND
    assert {*mapping.BASE_EXPAND, *mapping.EXTRA_EXPAND} == {
        "emailAddresses",
        "phoneNumbers",
        "metadata",
        "addresses",
        "cards",
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"elements": [{"id": "A"}, {"id": "B"}]}, [{"id": "A"}, {"id": "B"}]),
        ({"elements": []}, []),
        ({"href": "https://example.invalid/v3"}, []),
    ],
)
def test_rows_of_a_list_answer(body: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    assert mapping.rows(body) == expected


@pytest.mark.parametrize("body", [{"elements": 42}, {"elements": "x"}, [], "x", None])
def test_a_list_answer_of_another_shape_is_no_empty_page(body: Any) -> None:
    with pytest.raises(TypeError):
        mapping.rows(body)
