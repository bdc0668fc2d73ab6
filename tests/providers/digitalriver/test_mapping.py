"""Table tests of the pure Digital River mapping: no network."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.errors import ProviderBadResponse, ProviderNotFound, ProviderRejected, UserErrorCode
from gateway.model import (
    Address,
    CustomerFields,
    CustomerQuery,
    CustomerType,
    Money,
    NewCustomer,
    PaymentSourceKind,
)
from gateway.providers.digitalriver import mapping

STORED: dict[str, Any] = {
    "id": "cust-1",
    "createdTime": "2024-03-01T10:00:00.000Z",
    "updatedTime": "2024-03-02T10:00:00.000Z",
    "email": "ADA@EXAMPLE.COM",
    "shipping": {
        "name": "Ada Lovelace",
        "phone": "415.555.0100",
        "organization": "Analytical Engines",
        "email": "ship@example.com",
        "address": {"line1": "1 Main St", "city": "Springfield", "state": "IL", "country": "US"},
    },
    "defaultSourceId": "src-2",
    "sources": [
        {
            "id": "src-1",
            "type": "creditCard",
            "clientSecret": "src-1_secret",
            "creditCard": {
                "brand": "Visa",
                "lastFourDigits": "1111",
                "expirationMonth": 12,
                "expirationYear": 2030,
            },
        },
        {"id": "src-2", "type": "payPalBilling", "clientSecret": "src-2_secret"},
    ],
    "requestToBeForgotten": False,
    "type": "business",
    "metadata": {"tier": "gold"},
    "locale": "en_US",
    "enabled": False,
    "liveMode": False,
}


def test_to_customer_reads_shipping_and_top_level_fields() -> None:
    customer = mapping.to_customer(STORED)
    assert (customer.provider_id, customer.email) == ("cust-1", "ADA@EXAMPLE.COM")
    assert (customer.display_name, customer.phone, customer.company_name) == (
        "Ada Lovelace",
        "415.555.0100",
        "Analytical Engines",
    )
    assert (customer.customer_type, customer.locale, customer.enabled) == (
        CustomerType.BUSINESS,
        "en_US",
        False,
    )
    assert customer.metadata == {"tier": "gold"}
    assert customer.created_at == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert customer.given_name is None
    assert "clientSecret" not in str(customer.native)


@pytest.mark.parametrize(
    ("change", "same_version"),
    [
        ({}, True),
        ({"email": "other@example.com"}, False),
        ({"updatedTime": "2024-03-03T10:00:00.000Z"}, False),
        ({"sources": []}, False),
    ],
)
def test_version_follows_the_record(change: dict[str, Any], same_version: bool) -> None:
    before = mapping.to_customer(STORED).version
    assert (mapping.to_customer({**STORED, **change}).version == before) is same_version


@pytest.mark.parametrize(
    ("native", "enabled", "kind"),
    [
        ({"id": "x"}, None, None),
        ({"id": "x", "enabled": True, "type": "individual"}, True, CustomerType.INDIVIDUAL),
        ({"id": "x", "type": "reseller"}, None, None),
    ],
)
def test_to_customer_treats_every_field_as_optional(
    native: dict[str, Any], enabled: bool | None, kind: CustomerType | None
) -> None:
    customer = mapping.to_customer(native)
    assert (customer.enabled, customer.customer_type, customer.display_name) == (
        enabled,
        kind,
        None,
    )


def test_unreadable_customer_is_a_bad_response() -> None:
    with pytest.raises(ProviderBadResponse, match="unreadable customer"):
        mapping.to_customer({"email": "no id"})


def test_payment_sources_take_the_default_from_default_source_id() -> None:
    visa, paypal = mapping.to_payment_sources(STORED)
    assert (visa.id, visa.kind, visa.is_default) == ("src-1", PaymentSourceKind.CARD, False)
    assert (visa.brand, visa.last4, visa.exp_month, visa.exp_year) == ("Visa", "1111", 12, 2030)
    assert (paypal.id, paypal.kind, paypal.is_default) == ("src-2", PaymentSourceKind.OTHER, True)
    assert mapping.to_payment_sources({"id": "x"}) == []


@pytest.mark.parametrize(
    ("source", "refusal"),
    [
        ({"state": "chargeable", "reusable": True}, None),
        ({"state": "cancelled", "reusable": True}, "source_not_chargeable"),
        ({"state": "chargeable", "reusable": False}, "nonreusable_source"),
        ({"state": "chargeable", "customerId": "other"}, "source_in_use"),
    ],
)
def test_source_refusal(source: dict[str, Any], refusal: str | None) -> None:
    assert mapping.source_refusal(source) == refusal


def test_address_is_the_shipping_address() -> None:
    address = mapping.to_address(STORED)
    assert address == Address(
        id="shipping",
        label="shipping",
        line1="1 Main St",
        city="Springfield",
        region="IL",
        country="US",
    )
    assert mapping.to_address({"id": "x", "shipping": {"name": "No Address"}}) is None


@pytest.mark.parametrize(
    ("address", "shipping"),
    [
        (
            Address(id="shipping", line1="2 Oak Ave", postal_code="97201", country="US"),
            {
                "name": "Ada Lovelace",
                "phone": "415.555.0100",
                "organization": "Analytical Engines",
                "email": "ship@example.com",
                "address": {"line1": "2 Oak Ave", "postalCode": "97201", "country": "US"},
            },
        ),
        (
            None,
            {
                "name": "Ada Lovelace",
                "phone": "415.555.0100",
                "organization": "Analytical Engines",
                "email": "ship@example.com",
            },
        ),
    ],
)
def test_with_address_keeps_the_rest_of_shipping(
    address: Address | None, shipping: dict[str, Any]
) -> None:
    assert mapping.with_address(STORED, address) == shipping


def test_removing_the_only_shipping_content_clears_shipping() -> None:
    native = {"id": "x", "shipping": {"address": {"country": "US"}}}
    assert mapping.with_address(native, None) is None


@pytest.mark.parametrize(
    ("fields", "body"),
    [
        ({"email": "a@b.co"}, {"email": "a@b.co"}),
        ({"email": None}, {"email": None}),
        ({"customer_type": CustomerType.INDIVIDUAL}, {"type": "individual"}),
        ({"enabled": False, "locale": "de_DE"}, {"enabled": False, "locale": "de_DE"}),
        ({"metadata": {"a": 1}}, {"metadata": {"a": 1}}),
        (
            {"display_name": "Augusta"},
            {"shipping": {**STORED["shipping"], "name": "Augusta"}},
        ),
        (
            {"company_name": None, "phone": "+1 206-555-0142"},
            {
                "shipping": {
                    "name": "Ada Lovelace",
                    "phone": "+1 206-555-0142",
                    "email": "ship@example.com",
                    "address": STORED["shipping"]["address"],
                }
            },
        ),
    ],
)
def test_update_body_sends_shipping_complete(fields: CustomerFields, body: dict[str, Any]) -> None:
    assert mapping.update_body(fields, STORED) == body


def test_update_body_clears_shipping_when_nothing_is_left() -> None:
    assert mapping.update_body({"display_name": None}, {"shipping": {"name": "x"}}) == {
        "shipping": None
    }


@pytest.mark.parametrize(
    ("new", "body"),
    [
        (NewCustomer(fields={}), {}),
        (
            NewCustomer(
                fields={"email": "a@b.co", "display_name": "Ada", "enabled": None},
                provider_id="my-id",
                address={"line1": "1 Main St", "country": "US"},
            ),
            {
                "id": "my-id",
                "email": "a@b.co",
                "shipping": {"name": "Ada", "address": {"line1": "1 Main St", "country": "US"}},
            },
        ),
        (
            NewCustomer(fields={"customer_type": CustomerType.BUSINESS, "company_name": "Co"}),
            {"type": "business", "shipping": {"organization": "Co"}},
        ),
    ],
)
def test_create_body(new: NewCustomer, body: dict[str, Any]) -> None:
    assert mapping.create_body(new) == body


@pytest.mark.parametrize(
    ("metadata", "valid"),
    [
        ({f"k{i}": i for i in range(20)}, True),
        ({f"k{i}": i for i in range(21)}, False),
        ({"k" * 40: "v", "flag": True}, True),
        ({"k" * 41: "v"}, False),
        ({"": "v"}, False),
        ({"k": "v" * 500}, True),
        ({"k": "v" * 501}, False),
        ({"k": 1.5}, False),
        ({"k": None}, False),
        ({"k": {"nested": 1}}, False),
        (None, True),
    ],
)
def test_check_metadata(metadata: Any, valid: bool) -> None:
    errors = mapping.check_metadata(metadata)
    assert (errors == []) is valid
    assert all((e.code, e.field) == (UserErrorCode.INVALID, ("input", "metadata")) for e in errors)


def test_check_metadata_says_what_is_wrong() -> None:
    [error] = mapping.check_metadata({f"k{i}": i for i in range(21)})
    assert str(error) == "Digital River keeps at most 20 metadata keys; this has 21."


@pytest.mark.parametrize(
    ("amount", "currency", "money"),
    [
        (123.45, "USD", Money(12345, "USD")),
        (0.1, "usd", Money(10, "USD")),
        (1500, "JPY", Money(1500, "JPY")),
        (1.234, "KWD", Money(1234, "KWD")),
        (None, "USD", None),
        (10, None, None),
        ("n/a", "USD", None),
    ],
)
def test_to_money_uses_minor_units(amount: Any, currency: Any, money: Money | None) -> None:
    assert mapping.to_money(amount, currency) == money


def test_to_order() -> None:
    order = mapping.to_order(
        {
            "id": "190296100336",
            "customerId": "cust-1",
            "state": "complete",
            "currency": "USD",
            "totalAmount": 42.5,
            "createdTime": "2024-05-01T00:00:00Z",
        }
    )
    assert (order.provider_id, order.customer_id, order.status) == (
        "190296100336",
        "cust-1",
        "complete",
    )
    assert order.total == Money(4250, "USD")
    assert order.created_at == datetime(2024, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("query", "cursor", "params"),
    [
        (CustomerQuery(), None, [("limit", "100")]),
        (
            CustomerQuery(email=" A@B.co "),
            "cust-9",
            [("limit", "100"), ("startingAfter", "cust-9"), ("email", "A@B.co")],
        ),
        (
            CustomerQuery(
                name="ada",
                phone="555",
                created_after=datetime(2024, 1, 1, tzinfo=UTC),
                created_before=datetime(2024, 2, 1, tzinfo=UTC),
            ),
            None,
            [
                ("limit", "100"),
                ("createdTime[gt]", "2024-01-01T00:00:00Z"),
                ("createdTime[lt]", "2024-02-01T00:00:00Z"),
            ],
        ),
    ],
)
def test_search_params_push_down_email_and_created_time(
    query: CustomerQuery, cursor: str | None, params: list[tuple[str, str]]
) -> None:
    assert mapping.search_params(query, 250, cursor) == params


def test_search_params_bound_the_limit() -> None:
    assert mapping.search_params(CustomerQuery(), 0, None) == [("limit", "1")]


def test_same_create_recognises_its_own_record() -> None:
    body = {"id": "cust-1", "email": "ADA@EXAMPLE.COM", "type": "business"}
    assert mapping.same_create(STORED, body)
    assert not mapping.same_create(STORED, {**body, "email": "someone@else.com"})


def _envelope(code: str | None, parameter: str | None = None) -> dict[str, Any]:
    error = {"message": "text"}
    if code is not None:
        error["code"] = code
    if parameter is not None:
        error["parameter"] = parameter
    return {"type": "bad_request", "errors": [error]}


@pytest.mark.parametrize(
    ("status", "body", "user_code", "field"),
    [
        (409, _envelope("already_exists", "id"), UserErrorCode.DUPLICATE, ("input", "providerId")),
        (400, _envelope("invalid_parameter", "id"), UserErrorCode.INVALID, ("input", "providerId")),
        (400, _envelope("email_invalid", "email"), UserErrorCode.INVALID, ("input", "email")),
        (
            400,
            _envelope("too_many_metadata_pairs", "metadata"),
            UserErrorCode.INVALID,
            ("input", "metadata"),
        ),
        (
            400,
            _envelope("invalid_parameter", "type"),
            UserErrorCode.INVALID,
            ("input", "customerType"),
        ),
        (
            400,
            _envelope("invalid_parameter", "shipping.name"),
            UserErrorCode.INVALID,
            ("input", "displayName"),
        ),
        (
            400,
            _envelope("missing_parameter", "shipping.address.country"),
            UserErrorCode.INVALID,
            ("input", "address", "country"),
        ),
        (
            409,
            _envelope("source_not_chargeable", "sourceId"),
            UserErrorCode.REJECTED_BY_PROVIDER,
            ("input", "paymentSourceId"),
        ),
        (
            409,
            _envelope("nonreusable_source"),
            UserErrorCode.REJECTED_BY_PROVIDER,
            ("input", "paymentSourceId"),
        ),
        (409, _envelope("conflict"), UserErrorCode.REJECTED_BY_PROVIDER, None),
        (400, "not an envelope", UserErrorCode.INVALID, None),
    ],
)
def test_error_from_rejections(
    status: int, body: Any, user_code: UserErrorCode, field: tuple[str, ...] | None
) -> None:
    error = mapping.error_from(status, body)
    assert isinstance(error, ProviderRejected)
    assert (error.user_code, error.field) == (user_code, field)


@pytest.mark.parametrize(
    ("status", "body", "field"),
    [
        (404, _envelope("not_found", "id"), None),
        (404, _envelope("not_found", "sourceId"), ("input", "token")),
        (400, _envelope("invalid_parameter", "defaultSourceId"), ("input", "token")),
    ],
)
def test_error_from_not_found(status: int, body: Any, field: tuple[str, ...] | None) -> None:
    error = mapping.error_from(status, body, source_field=("input", "token"))
    assert isinstance(error, ProviderNotFound)
    assert error.field == field
