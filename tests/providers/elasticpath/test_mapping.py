"""Table tests of the pure Elastic Path mapping, filter language and token timing."""

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
    UserInputError,
)
from gateway.model import Address, AddressFields, CustomerFields, CustomerQuery, Money
from gateway.providers.elasticpath import mapping, query
from sandboxes.elasticpath.filters import CUSTOMER_FILTERS, compile_filter

RON: dict[str, Any] = {
    "type": "customer",
    "id": "fc4679bf-f8a8-4029-bc67-945f74b756a0",
    "name": "Ron Swanson",
    "email": "ron@swanson.com",
    "external_ref": "crm-42",
    "password": True,
    "meta": {
        "timestamps": {"created_at": "2017-01-11T18:44:45Z", "updated_at": "2017-01-12T18:44:45Z"}
    },
}


def test_customer_maps_name_ref_password_and_stamps() -> None:
    customer = mapping.to_customer(RON)
    assert (customer.provider_id, customer.email, customer.display_name) == (
        RON["id"],
        "ron@swanson.com",
        "Ron Swanson",
    )
    assert (customer.reference_id, customer.has_password) == ("crm-42", True)
    assert customer.created_at == datetime(2017, 1, 11, 18, 44, 45, tzinfo=UTC)
    assert customer.given_name is None
    assert customer.native == RON  # a curated copy: nothing of the deployment in it


@pytest.mark.parametrize(
    ("change", "has_password", "reference_id"),
    [
        ({"password": False}, False, "crm-42"),
        ({"external_ref": None}, True, None),
        ({"meta": None}, True, "crm-42"),
    ],
)
def test_customer_tolerates_missing_parts(
    change: dict[str, Any], has_password: bool, reference_id: str | None
) -> None:
    customer = mapping.to_customer({**RON, **change})
    assert (customer.has_password, customer.reference_id) == (has_password, reference_id)


def test_version_follows_the_record() -> None:
    version = mapping.to_customer(dict(RON)).version
    assert mapping.to_customer(RON).version == version
    stamps = {**RON["meta"]["timestamps"], "updated_at": "2018-01-01T00:00:00Z"}
    assert mapping.to_customer({**RON, "meta": {"timestamps": stamps}}).version != version


@pytest.mark.parametrize(
    "native",
    [
        {"name": "no id"},
        {"id": "x", "meta": {"timestamps": {"created_at": "not a date"}}},
    ],
)
def test_unreadable_customer_is_a_bad_response(native: dict[str, Any]) -> None:
    with pytest.raises(ProviderBadResponse):
        mapping.to_customer(native)


@pytest.mark.parametrize(
    ("native", "expected"),
    [
        (
            {
                "id": "a1",
                "name": "Home",
                "first_name": "Ron",
                "phone_number": "(555) 555-1234",
                "line_1": "1 Sunny Street",
                "postcode": "SU33 1YY",
                "region": "IN",
                "county": "Marion",
                "instructions": "Leave behind bin",
                "company_name": "Very Good Building",
            },
            Address(
                id="a1",
                label="Home",
                first_name="Ron",
                phone="(555) 555-1234",
                line1="1 Sunny Street",
                postal_code="SU33 1YY",
                region="IN",
                instructions="Leave behind bin",
                company_name="Very Good Building",
            ),
        ),
        ({"id": "a2", "county": "Greater London"}, Address(id="a2", region="Greater London")),
        ({"id": "a3", "city": ""}, Address(id="a3")),
    ],
)
def test_address_field_by_field(native: dict[str, Any], expected: Address) -> None:
    assert mapping.to_address(native) == expected


def test_order_total_is_minor_units_from_display_price() -> None:
    native = {
        "id": "o1",
        "status": "complete",
        "meta": {
            "display_price": {"with_tax": {"amount": 217500, "currency": "USD"}},
            "timestamps": {"created_at": "2018-04-16T10:11:59.715Z"},
        },
    }
    order = mapping.to_order(native, "c1")
    assert (order.provider_id, order.customer_id, order.status) == ("o1", "c1", "complete")
    assert order.total == Money(217500, "USD")
    assert mapping.to_order({"id": "o2", "meta": {}}, "c1").total is None


@pytest.mark.parametrize(
    ("fields", "creating", "data"),
    [
        (
            {"display_name": "Ron", "email": "r@s.co"},
            True,
            {"type": "customer", "name": "Ron", "email": "r@s.co"},
        ),
        ({"reference_id": None}, False, {"type": "customer", "external_ref": None}),
        ({"password": "hunter22!"}, False, {"type": "customer", "password": "hunter22!"}),
        ({"password": None}, False, {"type": "customer", "password": None}),
        ({}, False, {"type": "customer"}),
    ],
)
def test_customer_body_is_sparse(
    fields: CustomerFields, creating: bool, data: dict[str, Any]
) -> None:
    assert mapping.customer_body(fields, creating=creating) == data


@pytest.mark.parametrize(
    ("fields", "creating", "field"),
    [
        ({"email": "r@s.co"}, True, "displayName"),
        ({"display_name": "Ron"}, True, "email"),
        ({"display_name": None}, False, "displayName"),
        ({"email": ""}, False, "email"),
    ],
)
def test_name_and_email_cannot_be_missing_or_cleared(
    fields: CustomerFields, creating: bool, field: str
) -> None:
    with pytest.raises(UserInputError) as refused:
        mapping.customer_body(fields, creating=creating)
    assert (refused.value.code, refused.value.field) == (UserErrorCode.INVALID, ("input", field))


@pytest.mark.parametrize(
    ("fields", "data"),
    [
        (
            {"label": "Home", "line1": "1 Main"},
            {"type": "address", "name": "Home", "line_1": "1 Main"},
        ),
        (
            {"postal_code": "62701", "phone": "1"},
            {"type": "address", "postcode": "62701", "phone_number": "1"},
        ),
        ({"region": "IL"}, {"type": "address", "region": "IL"}),
        ({"region": None}, {"type": "address", "region": None, "county": None}),
        ({}, {"type": "address"}),
    ],
)
def test_address_body_is_sparse(fields: AddressFields, data: dict[str, Any]) -> None:
    assert mapping.address_body(fields) == data


@pytest.mark.parametrize(
    ("q", "filter_"),
    [
        (CustomerQuery(), None),
        (CustomerQuery(email=" Ron+1@Swanson.com "), 'like(email,"Ron+1@Swanson.com")'),
        (CustomerQuery(name='Ron "R" S'), 'like(name,"*Ron \\"R\\" S*")'),
        (CustomerQuery(reference_id="crm,42"), 'eq(external_ref,"crm,42")'),
        (
            CustomerQuery(
                created_after=datetime(2024, 1, 1, tzinfo=UTC),
                created_before=datetime(2024, 2, 1, 0, 0, 0, 250000),
            ),
            'gt(created_at,"2024-01-01T00:00:00Z"):lt(created_at,"2024-02-01T00:00:00.250000Z")',
        ),
    ],
)
def test_search_params_newest_first_with_filters(q: CustomerQuery, filter_: str | None) -> None:
    params = mapping.search_params(q, 500, 40)
    assert params.pop("filter", None) == filter_
    assert params == {"page[limit]": "100", "page[offset]": "40", "sort": "-created_at"}


@pytest.mark.parametrize(
    ("body", "offset", "received", "following"),
    [
        ({"meta": {"results": {"total": 30}}}, 0, 25, 25),
        ({"meta": {"results": {"total": 30}}}, 25, 5, None),
        ({"meta": {"results": {"total": 0}}}, 0, 0, None),
        ({}, 0, 10, 10),
        ({}, 10, 0, None),
    ],
)
def test_next_offset(
    body: dict[str, Any], offset: int, received: int, following: int | None
) -> None:
    assert mapping.next_offset(body, offset, received) == following


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"access_token": "t", "expires_in": 3600, "identifier": "client_credentials"},
            ("t", 3600.0),
        ),
        ({"data": {"access_token": "t", "expires_in": 60}}, ("t", 60.0)),
        ({"access_token": "t"}, ("t", 3600.0)),
    ],
)
def test_access_token_flat_or_wrapped(body: dict[str, Any], expected: tuple[str, float]) -> None:
    assert mapping.access_token(body) == expected


@pytest.mark.parametrize("body", [{}, {"data": {}}, {"access_token": 5}, []])
def test_access_token_missing_is_a_bad_response(body: Any) -> None:
    with pytest.raises(ProviderBadResponse):
        mapping.access_token(body)


def _errors(**error: Any) -> dict[str, Any]:
    return {"errors": [error]}


@pytest.mark.parametrize(
    ("status", "body", "kind", "code", "field"),
    [
        (
            404,
            _errors(status="404", title="Not Found", detail="customer not found"),
            ProviderNotFound,
            None,
            ("input", "id"),
        ),
        (
            409,
            _errors(status=409, title="Duplicate email"),
            ProviderRejected,
            UserErrorCode.DUPLICATE,
            ("input", "email"),
        ),
        (
            409,
            _errors(status=409, title="Conflict", detail="Write conflict detected"),
            ProviderRejected,
            UserErrorCode.CONFLICT,
            None,
        ),
        (
            400,
            _errors(status=400, title="format", source="data.email"),
            ProviderRejected,
            UserErrorCode.INVALID,
            ("input", "email"),
        ),
        (
            422,
            _errors(status=422, title="required", source="name"),
            ProviderRejected,
            UserErrorCode.INVALID,
            ("input", "displayName"),
        ),
        (400, {"message": "not the envelope"}, ProviderRejected, UserErrorCode.INVALID, None),
        (
            402,
            _errors(status=402, title="Payment Required"),
            ProviderRejected,
            UserErrorCode.REJECTED_BY_PROVIDER,
            None,
        ),
    ],
)
def test_error_from(
    status: int,
    body: Any,
    kind: type[GatewayError],
    code: UserErrorCode | None,
    field: tuple[str, ...] | None,
) -> None:
    error = mapping.error_from(status, body)
    assert type(error) is kind
    assert getattr(error, "field", None) == field
    if code is not None:
        assert isinstance(error, ProviderRejected)
        assert error.user_code is code


def test_error_from_blames_address_fields() -> None:
    error = mapping.error_from(
        400, _errors(title="format", source="data.county"), sources=mapping.ADDRESS_SOURCES
    )
    assert isinstance(error, ProviderRejected)
    assert error.field == ("input", "address", "region")


@pytest.mark.parametrize("value", ["plain", 'with "quotes"', "back\\slash", "a,b):c(d", "  x"])
def test_quoted_conditions_mean_their_value_to_the_emulator(value: str) -> None:
    """The adapter's quoting, read back by the emulator's own parser of the docs."""
    holds = compile_filter(query.condition("eq", "name", value), CUSTOMER_FILTERS)
    assert holds({"name": value})
    assert not holds({"name": value + "?"})
