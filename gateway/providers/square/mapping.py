"""Square JSON <-> the unified model: pure functions, table-tested without a network."""

from __future__ import annotations

from typing import Any

from gateway.errors import (
    FieldPath,
    GatewayError,
    ProviderBadResponse,
    ProviderNotFound,
    ProviderRejected,
    UserErrorCode,
)
from gateway.model import (
    Address,
    AddressFields,
    Customer,
    CustomerFields,
    CustomerQuery,
    Money,
    Order,
    PaymentSource,
    PaymentSourceKind,
    ProviderName,
)
from gateway.providers.kit import given
from gateway.providers.native import curated
from gateway.providers.timestamps import parse_time
from gateway.validation import camel

PROVIDER = ProviderName.SQUARE
ADDRESS_ID = "primary"

# Unified customer field -> Square field. Everything Square stores and we expose.
CUSTOMER_FIELDS: dict[str, str] = {
    "email": "email_address",
    "given_name": "given_name",
    "family_name": "family_name",
    "company_name": "company_name",
    "phone": "phone_number",
    "nickname": "nickname",
    "note": "note",
    "birthday": "birthday",
    "reference_id": "reference_id",
}
# Unified address field -> Square Address field. Square ignores first/last name on customers.
ADDRESS_FIELDS: dict[str, str] = {
    "line1": "address_line_1",
    "line2": "address_line_2",
    "city": "locality",
    "region": "administrative_district_level_1",
    "postal_code": "postal_code",
    "country": "country",
}
_NATIVE_TO_INPUT: dict[str, str] = {native: camel(name) for name, native in CUSTOMER_FIELDS.items()}


def birthday_from_native(value: str | None) -> str | None:
    """Square answers `0000-MM-DD` when the year is unknown; the contract says `--MM-DD`."""
    if not value:
        return None
    return "-" + value[4:] if value.startswith("0000-") else value


def birthday_to_native(value: str | None) -> str | None:
    if value is None:
        return None
    return value[2:] if value.startswith("--") else value


def to_customer(native: dict[str, Any]) -> Customer:
    try:
        given, family = native.get("given_name"), native.get("family_name")
        display = " ".join(p for p in (given, family) if p) or native.get("company_name")
        return Customer(
            provider=PROVIDER,
            provider_id=native["id"],
            version=str(native.get("version", 0)),
            native=curated(native, frozenset()),
            email=native.get("email_address"),
            given_name=given,
            family_name=family,
            display_name=display,
            company_name=native.get("company_name"),
            phone=native.get("phone_number"),
            nickname=native.get("nickname"),
            note=native.get("note"),
            birthday=birthday_from_native(native.get("birthday")),
            reference_id=native.get("reference_id"),
            created_at=parse_time(native.get("created_at")),
            updated_at=parse_time(native.get("updated_at")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProviderBadResponse(PROVIDER, f"unreadable customer: {type(exc).__name__}") from exc


def to_address(native_customer: dict[str, Any]) -> Address | None:
    address = native_customer.get("address")
    if not address:
        return None
    return Address(
        id=ADDRESS_ID,
        label=ADDRESS_ID,
        first_name=address.get("first_name"),
        last_name=address.get("last_name"),
        **{name: address.get(native) for name, native in ADDRESS_FIELDS.items()},
    )


def address_body(address: Address | None) -> dict[str, Any] | None:
    """The complete Square address, unset fields as `null`: Square merges an address one
    field at a time, so a field left out would keep its old value."""
    if address is None:
        return None
    body = {native: getattr(address, name) for name, native in ADDRESS_FIELDS.items()}
    return body if any(value is not None for value in body.values()) else None


def customer_body(fields: CustomerFields) -> dict[str, Any]:
    """A sparse Square body: omitted fields are absent, None becomes JSON null (clear)."""
    body = given(fields, CUSTOMER_FIELDS)
    if "birthday" in fields:
        body["birthday"] = birthday_to_native(fields["birthday"])
    return body


def address_fields_body(address: AddressFields) -> dict[str, Any]:
    return given(address, ADDRESS_FIELDS, skip_none=True)


def to_payment_source(card: dict[str, Any]) -> PaymentSource:
    return PaymentSource(
        id=card["id"],
        kind=PaymentSourceKind.CARD,
        is_default=False,
        brand=card.get("card_brand"),
        last4=card.get("last_4"),
        exp_month=card.get("exp_month"),
        exp_year=card.get("exp_year"),
    )


def to_order(native: dict[str, Any]) -> Order:
    money = native.get("total_money")
    return Order(
        provider=PROVIDER,
        provider_id=native["id"],
        customer_id=native.get("customer_id", ""),
        status=native.get("state"),
        total=Money(int(money["amount"]), money["currency"]) if money else None,
        created_at=parse_time(native.get("created_at")),
    )


def search_body(query: CustomerQuery, limit: int, cursor: str | None) -> dict[str, Any]:
    """SearchCustomers, newest first, with every filter Square can apply natively.

    Square has no name filter; the adapter applies it. Phones go as an exact E.164
    filter only when the query carries a country code, as Square compares in E.164.
    """
    flt: dict[str, Any] = {}
    if query.email is not None:
        flt["email_address"] = {"exact": query.email.strip()}
    if query.phone is not None and query.phone.strip().startswith("+"):
        flt["phone_number"] = {"exact": query.phone.strip()}
    if query.reference_id is not None:
        flt["reference_id"] = {"exact": query.reference_id}
    if query.created_after is not None or query.created_before is not None:
        window: dict[str, str] = {}
        if query.created_after is not None:
            window["start_at"] = query.created_after.isoformat()
        if query.created_before is not None:
            window["end_at"] = query.created_before.isoformat()
        flt["created_at"] = window
    body: dict[str, Any] = {
        "limit": limit,
        "query": {"filter": flt, "sort": {"field": "CREATED_AT", "order": "DESC"}},
    }
    if cursor:
        body["cursor"] = cursor
    return body


def error_from(status: int, body: Any, id_field: FieldPath = ("input", "id")) -> GatewayError:
    """Read Square's `{"errors": [...]}` envelope into a gateway error."""
    errors = body.get("errors") if isinstance(body, dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    code = str(first.get("code", "UNKNOWN"))
    detail = str(first.get("detail", "Square rejected the request."))
    native_field = first.get("field")
    field = ("input", _NATIVE_TO_INPUT[native_field]) if native_field in _NATIVE_TO_INPUT else None
    if status == 404 or code in {"NOT_FOUND", "CUSTOMER_NOT_FOUND"}:
        return ProviderNotFound(PROVIDER, detail, field=id_field, status=status, code=code)
    if code in {"CONFLICT", "VERSION_MISMATCH"}:
        return ProviderRejected(
            PROVIDER,
            "The customer changed since that version; read it again and retry.",
            user_code=UserErrorCode.CONFLICT,
            field=("input", "expectedVersion"),
            status=status,
            code=code,
        )
    if code == "IDEMPOTENCY_KEY_REUSED":
        return ProviderRejected(
            PROVIDER,
            "This idempotency key was used for a different request.",
            user_code=UserErrorCode.CONFLICT,
            field=("input", "idempotencyKey"),
            status=status,
            code=code,
        )
    if code in {
        "SOURCE_USED",
        "INVALID_CARD_DATA",
        "SOURCE_EXPIRED",
        "CARD_DECLINED_VERIFICATION_REQUIRED",
    }:
        return ProviderRejected(
            PROVIDER,
            f"Square refused the payment token ({code}).",
            user_code=UserErrorCode.REJECTED_BY_PROVIDER,
            field=("input", "token"),
            status=status,
            code=code,
        )
    if code.startswith("INVALID_") or code in {"VALUE_TOO_LONG", "BAD_REQUEST"}:
        return ProviderRejected(
            PROVIDER, detail, user_code=UserErrorCode.INVALID, field=field, status=status, code=code
        )
    return ProviderRejected(
        PROVIDER,
        f"Square rejected the request ({code}).",
        user_code=UserErrorCode.REJECTED_BY_PROVIDER,
        field=field,
        status=status,
        code=code,
    )
