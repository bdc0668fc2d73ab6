"""Table tests of the pure Square mapping: no network."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.errors import ProviderNotFound, ProviderRejected, UserErrorCode
from gateway.model import Address, CustomerFields, CustomerQuery
from gateway.providers.square import mapping


@pytest.mark.parametrize(
    ("native", "unified"),
    [
        ("1990-05-17", "1990-05-17"),
        ("0000-05-17", "--05-17"),
        (None, None),
    ],
)
def test_birthday_from_native(native: str | None, unified: str | None) -> None:
    assert mapping.birthday_from_native(native) == unified


@pytest.mark.parametrize(
    ("unified", "native"),
    [("1990-05-17", "1990-05-17"), ("--05-17", "05-17"), (None, None)],
)
def test_birthday_to_native(unified: str | None, native: str | None) -> None:
    assert mapping.birthday_to_native(unified) == native


@pytest.mark.parametrize(
    ("fields", "body"),
    [
        ({"email": "a@b.co"}, {"email_address": "a@b.co"}),
        ({"nickname": None}, {"nickname": None}),
        (
            {"phone": "+1 415", "birthday": "--01-02"},
            {"phone_number": "+1 415", "birthday": "01-02"},
        ),
        ({}, {}),
    ],
)
def test_customer_body_is_sparse_and_keeps_nulls(
    fields: CustomerFields, body: dict[str, Any]
) -> None:
    assert mapping.customer_body(fields) == body


def test_to_customer_maps_fields_and_display_name() -> None:
    customer = mapping.to_customer(
        {
            "id": "C1",
            "version": 3,
            "given_name": "Ada",
            "family_name": "Lovelace",
            "email_address": "Ada@Example.com",
            "phone_number": "+1-415-555-0100",
            "birthday": "0000-12-10",
            "created_at": "2024-01-02T03:04:05.678Z",
        }
    )
    assert customer.provider_id == "C1"
    assert customer.version == "3"
    assert customer.display_name == "Ada Lovelace"
    assert customer.email == "Ada@Example.com"
    assert customer.birthday == "--12-10"
    assert customer.created_at == datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("native", "expected"),
    [
        ({"id": "C"}, None),
        (
            {"id": "C", "address": {"address_line_1": "1 Main", "locality": "X", "country": "US"}},
            Address(id="primary", label="primary", line1="1 Main", city="X", country="US"),
        ),
    ],
)
def test_to_address(native: dict[str, Any], expected: Address | None) -> None:
    assert mapping.to_address(native) == expected


def test_address_body_is_complete_with_unset_fields_null() -> None:
    address = Address(id="primary", line1="1 Main", city="X", region=None, country="US")
    assert mapping.address_body(address) == {
        "address_line_1": "1 Main",
        "address_line_2": None,
        "locality": "X",
        "administrative_district_level_1": None,
        "postal_code": None,
        "country": "US",
    }
    assert mapping.address_body(Address(id="primary")) is None
    assert mapping.address_body(None) is None


def test_search_body_pushes_down_what_square_filters() -> None:
    after = datetime(2024, 1, 1, tzinfo=UTC)
    body = mapping.search_body(
        CustomerQuery(email=" a@b.co ", phone="555-0100", reference_id="r", created_after=after),
        50,
        "CUR",
    )
    assert body == {
        "limit": 50,
        "cursor": "CUR",
        "query": {
            "filter": {
                "email_address": {"exact": "a@b.co"},
                "reference_id": {"exact": "r"},
                "created_at": {"start_at": "2024-01-01T00:00:00+00:00"},
            },
            "sort": {"field": "CREATED_AT", "order": "DESC"},
        },
    }


@pytest.mark.parametrize(
    ("status", "error", "kind", "code", "field"),
    [
        (404, {"code": "NOT_FOUND"}, ProviderNotFound, None, ("input", "id")),
        (
            409,
            {"code": "CONFLICT", "field": "version"},
            ProviderRejected,
            UserErrorCode.CONFLICT,
            ("input", "expectedVersion"),
        ),
        (
            400,
            {"code": "VERSION_MISMATCH"},
            ProviderRejected,
            UserErrorCode.CONFLICT,
            ("input", "expectedVersion"),
        ),
        (
            400,
            {"code": "INVALID_EMAIL_ADDRESS", "field": "email_address"},
            ProviderRejected,
            UserErrorCode.INVALID,
            ("input", "email"),
        ),
        (
            400,
            {"code": "SOURCE_USED"},
            ProviderRejected,
            UserErrorCode.REJECTED_BY_PROVIDER,
            ("input", "token"),
        ),
        (
            400,
            {"code": "SOMETHING_NEW"},
            ProviderRejected,
            UserErrorCode.REJECTED_BY_PROVIDER,
            None,
        ),
    ],
)
def test_error_from_envelope(
    status: int,
    error: dict[str, str],
    kind: type[Exception],
    code: UserErrorCode | None,
    field: tuple[str, ...] | None,
) -> None:
    body = {"errors": [{"category": "INVALID_REQUEST_ERROR", "detail": "d", **error}]}
    exc = mapping.error_from(status, body)
    assert isinstance(exc, kind)
    if isinstance(exc, ProviderRejected):
        assert exc.user_code is code
    assert exc.field == field  # type: ignore[attr-defined]
