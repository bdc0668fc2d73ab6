"""Clover JSON <-> the unified model: pure functions, table-tested without a network.

Two wire formats meet here. Platform v3 holds the directory: names on the
customer, email and phone as sub-resources, company, note and birthday in
`metadata`, addresses and cards as expandable lists wrapped in `{"elements": []}`.
Ecommerce v1 holds card-on-file customers and orders, with `{"error": {...}}`
errors and `{"object": "list", "data": []}` lists.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
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
    Customer,
    CustomerFields,
    CustomerQuery,
    Money,
    Order,
    PaymentSource,
    PaymentSourceKind,
    ProviderName,
)
from gateway.providers.kit import attrs, given, touches
from gateway.providers.native import curated
from gateway.providers.versioning import record_version

PROVIDER = ProviderName.CLOVER
MAX_EXPAND = 3
BASE_EXPAND = ("emailAddresses", "phoneNumbers", "metadata")
"""What the unified customer fields need: one call's worth of expansions."""
EXTRA_EXPAND = ("addresses", "cards")
"""The rest of a full read: a second call, since Clover expands three per call."""

NAME_FIELDS: dict[str, str] = {"given_name": "firstName", "family_name": "lastName"}
METADATA_FIELDS: dict[str, str] = {"company_name": "businessName", "note": "note"}
METADATA_KEYS = ("businessName", "note", "dobYear", "dobMonth", "dobDay")
WRITABLE_FIELDS = frozenset({*NAME_FIELDS, *METADATA_FIELDS, "birthday", "email", "phone"})
# Unified address field -> v3 Address field. Clover requires all of them but line2.
ADDRESS_FIELDS: dict[str, str] = {
    "line1": "address1",
    "line2": "address2",
    "city": "city",
    "region": "state",
    "postal_code": "zip",
    "country": "country",
}
REQUIRED_ADDRESS_FIELDS = ("line1", "city", "region", "postal_code", "country")
# v3 `cardType` -> the brand names the other providers use.
CARD_BRANDS: dict[str, str] = {
    "MC": "MASTERCARD",
    "AMEX": "AMERICAN_EXPRESS",
    "DINERS_CLUB": "DINERS",
}
CARD_ERROR_CODES = frozenset(
    {
        "token_already_used",
        "card_declined",
        "expired_card",
        "incorrect_cvc",
        "invalid_cvc",
        "invalid_number",
        "card_on_file_missing",
        "processing_error",
    }
)
NATIVE_HIDDEN = frozenset({"merchant", "href", "token"})
"""Kept from clients: the merchant (the gateway's account) with its id, the `href`s
naming the upstream host, and a saved card's `token`, which can be charged."""
_VERSIONED_KEYS = (
    "id",
    "firstName",
    "lastName",
    "marketingAllowed",
    "customerSince",
    *BASE_EXPAND,
)


def from_millis(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(int(value) / 1000, UTC)


def to_millis(moment: datetime, *, round_up: bool = False) -> int:
    millis = moment.timestamp() * 1000
    return math.ceil(millis) if round_up else math.floor(millis)


def elements(native: Any, key: str) -> list[dict[str, Any]]:
    """An expanded nested list; empty when absent (not expanded, or none)."""
    wrapped = native.get(key) if isinstance(native, Mapping) else None
    found = wrapped.get("elements") if isinstance(wrapped, dict) else None
    return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


def rows(body: Any) -> list[dict[str, Any]]:
    """The rows of a v3 list answer, `{"elements": [...], "href": ...}` (none without
    `elements`). Any other shape is not a list answer: `TypeError`, which the wrapper
    around the adapter reports as Clover's bad response, never as "no customers"."""
    found = body.get("elements", []) if isinstance(body, dict) else None
    if not isinstance(found, list):
        raise TypeError("a v3 list answer without an elements list")
    return [e for e in found if isinstance(e, dict)]


def has_extras(native: Mapping[str, Any]) -> bool:
    return all(key in native for key in EXTRA_EXPAND)


def primary_email(native: Mapping[str, Any]) -> dict[str, Any] | None:
    """The email flagged primary, else the first: the one the unified `email` shows."""
    emails = elements(native, "emailAddresses")
    return next((e for e in emails if e.get("primaryEmail")), emails[0] if emails else None)


def first_phone(native: Mapping[str, Any]) -> dict[str, Any] | None:
    """Clover flags no phone as primary, so the unified `phone` is the first one."""
    phones = elements(native, "phoneNumbers")
    return phones[0] if phones else None


def birthday_from_metadata(meta: Mapping[str, Any]) -> str | None:
    month, day, year = meta.get("dobMonth"), meta.get("dobDay"), meta.get("dobYear")
    if month is None or day is None:
        return None
    prefix = f"{int(year):04d}" if year is not None else "-"
    return f"{prefix}-{int(month):02d}-{int(day):02d}"


def birthday_to_metadata(value: str | None) -> dict[str, int | None]:
    """`YYYY-MM-DD` or `--MM-DD` (already validated) as Clover's three integers."""
    if value is None:
        return {"dobYear": None, "dobMonth": None, "dobDay": None}
    year, month, day = value.rsplit("-", 2)
    year = year.strip("-")
    return {"dobYear": int(year) if year else None, "dobMonth": int(month), "dobDay": int(day)}


def version_of(native: Mapping[str, Any]) -> str:
    """A hash of what the unified customer shows, so list and get rows agree.

    Addresses and cards are sub-resources with their own ids and stay out of it;
    `href` differs by host and says nothing about the record.
    """
    return record_version({key: native.get(key) for key in _VERSIONED_KEYS})


def to_customer(native: dict[str, Any]) -> Customer:
    try:
        meta = native.get("metadata") or {}
        email, phone = primary_email(native), first_phone(native)
        given, family = native.get("firstName"), native.get("lastName")
        company = meta.get("businessName")
        return Customer(
            provider=PROVIDER,
            provider_id=native["id"],
            version=version_of(native),
            native=curated(native, NATIVE_HIDDEN),
            email=email.get("emailAddress") if email else None,
            given_name=given,
            family_name=family,
            display_name=" ".join(p for p in (given, family) if p) or company,
            company_name=company,
            phone=phone.get("phoneNumber") if phone else None,
            note=meta.get("note"),
            birthday=birthday_from_metadata(meta),
            created_at=from_millis(native.get("customerSince")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProviderBadResponse(PROVIDER, f"unreadable customer: {type(exc).__name__}") from exc


def to_address(native: Mapping[str, Any]) -> Address:
    return Address(id=str(native["id"]), **{k: native.get(v) for k, v in ADDRESS_FIELDS.items()})


def addresses_of(native: Mapping[str, Any]) -> list[Address]:
    try:
        return [to_address(a) for a in elements(native, "addresses")]
    except KeyError as exc:
        raise ProviderBadResponse(PROVIDER, "address without an id") from exc


def address_body(address: Address) -> dict[str, Any]:
    """The complete v3 address: updates send it whole, omitted fields are not kept."""
    return attrs(address, ADDRESS_FIELDS)


def missing_address_fields(address: Address) -> list[str]:
    return [name for name in REQUIRED_ADDRESS_FIELDS if not getattr(address, name)]


def item_id(row: Mapping[str, Any]) -> str:
    """The id of a nested element (email, phone, address, card) the adapter writes to."""
    value = row.get("id")
    if not isinstance(value, str) or not value:
        raise ProviderBadResponse(PROVIDER, "nested element without an id")
    return value


def expiry(value: Any) -> tuple[int | None, int | None]:
    """`expirationDate` is MMYY."""
    text = str(value or "")
    if len(text) != 4 or not text.isdigit() or not 1 <= int(text[:2]) <= 12:
        return None, None
    return int(text[:2]), 2000 + int(text[2:])


def to_payment_source(card: Mapping[str, Any]) -> PaymentSource:
    month, year = expiry(card.get("expirationDate"))
    brand = card.get("cardType")
    return PaymentSource(
        id=str(card["id"]),
        kind=PaymentSourceKind.CARD,
        is_default=False,
        brand=CARD_BRANDS.get(brand, brand) if isinstance(brand, str) else None,
        last4=card.get("last4"),
        exp_month=month,
        exp_year=year,
    )


def payment_sources_of(native: Mapping[str, Any]) -> list[PaymentSource]:
    try:
        return [to_payment_source(c) for c in elements(native, "cards")]
    except KeyError as exc:
        raise ProviderBadResponse(PROVIDER, "card without an id") from exc


def to_order(native: Mapping[str, Any]) -> Order:
    try:
        amount, currency = native.get("amount"), native.get("currency")
        status = native.get("status")
        return Order(
            provider=PROVIDER,
            provider_id=str(native["id"]),
            customer_id=str(native.get("customer") or ""),
            status=status.upper() if isinstance(status, str) else None,
            total=Money(int(amount), str(currency).upper())
            if amount is not None and currency
            else None,
            created_at=from_millis(native.get("created")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProviderBadResponse(PROVIDER, f"unreadable order: {type(exc).__name__}") from exc


def _metadata(fields: CustomerFields, current: Mapping[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {key: current.get(key) for key in METADATA_KEYS}
    meta.update(given(fields, METADATA_FIELDS))
    if "birthday" in fields:
        meta.update(birthday_to_metadata(fields["birthday"]))
    return meta


def touches_metadata(fields: CustomerFields) -> bool:
    return touches(fields, (*METADATA_FIELDS, "birthday"))


def create_body(fields: CustomerFields, address: Address | None) -> dict[str, Any]:
    """A v3 create: nested lists go as plain arrays, which create accepts."""
    body = given(fields, NAME_FIELDS, skip_none=True)
    if fields.get("email"):
        body["emailAddresses"] = [{"emailAddress": fields["email"], "primaryEmail": True}]
    if fields.get("phone"):
        body["phoneNumbers"] = [{"phoneNumber": fields["phone"]}]
    if address is not None:
        body["addresses"] = [address_body(address)]
    meta = {k: v for k, v in _metadata(fields, {}).items() if v is not None}
    if meta:
        body["metadata"] = meta
    return body


def update_body(fields: CustomerFields, current: Mapping[str, Any]) -> dict[str, Any]:
    """A sparse v3 update of names and metadata; `null` clears.

    Metadata goes complete, with explicit nulls: whether Clover merges or
    replaces a nested object on update is undocumented, and this reads the same
    either way. `current` is the customer as read, for the metadata it keeps.
    """
    body = given(fields, NAME_FIELDS)
    if touches_metadata(fields):
        body["metadata"] = _metadata(fields, current.get("metadata") or {})
    return body


def ecommerce_customer_body(fields: CustomerFields, token: str) -> dict[str, Any]:
    """Ecommerce create: `email` and `source` are required; the rest goes through v3."""
    names = {**NAME_FIELDS, "phone": "phone"}
    return {"email": fields.get("email"), "source": token, **given(fields, names, skip_none=True)}


def pushdown(query: CustomerQuery) -> list[str]:
    """The v3 `filter=` values Clover can apply exactly as the contract means them.

    Only the creation window: Clover's email and phone filters compare the stored
    text as typed (case and formatting unknown), and name has no substring form,
    so those are matched by the gateway.
    """
    flt = []
    if query.created_after is not None:
        flt.append(f"customerSince>{to_millis(query.created_after)}")
    if query.created_before is not None:
        flt.append(f"customerSince<{to_millis(query.created_before, round_up=True)}")
    return flt


def error_from(status: int, body: Any, id_field: FieldPath = ("input", "id")) -> GatewayError:
    """Read either API's error envelope into a gateway error."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return _ecommerce_error(status, body["error"], id_field)
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    if status == 404:
        return ProviderNotFound(PROVIDER, message or "not found", field=id_field, status=status)
    if status == 405:
        return ProviderBadResponse(PROVIDER, "method not allowed", status=status)
    if status == 409:
        return ProviderRejected(
            PROVIDER,
            "The customer changed at Clover; read it again and retry.",
            user_code=UserErrorCode.CONFLICT,
            status=status,
        )
    if status == 400:
        return ProviderRejected(
            PROVIDER,
            f"Clover refused the input: {message}" if message else "Clover refused the input.",
            user_code=UserErrorCode.INVALID,
            status=status,
        )
    return ProviderRejected(
        PROVIDER,
        f"Clover rejected the request ({status}).",
        user_code=UserErrorCode.REJECTED_BY_PROVIDER,
        status=status,
    )


def _ecommerce_error(status: int, error: dict[str, Any], id_field: FieldPath) -> GatewayError:
    code = str(error.get("code") or error.get("type") or "unknown")
    param = error.get("param")
    if code in CARD_ERROR_CODES or param == "source":
        return ProviderRejected(
            PROVIDER,
            f"Clover refused the card token ({code}).",
            user_code=UserErrorCode.REJECTED_BY_PROVIDER,
            field=("input", "token"),
            status=status,
            code=code,
        )
    if status == 404 or code == "resource_missing":
        field = ("input", "customerId") if param == "customer" else id_field
        return ProviderNotFound(PROVIDER, code, field=field, status=status, code=code)
    if code == "email_invalid" or param == "email":
        return ProviderRejected(
            PROVIDER,
            "Clover refused the email address.",
            user_code=UserErrorCode.INVALID,
            field=("input", "email"),
            status=status,
            code=code,
        )
    if status == 409:
        return ProviderRejected(
            PROVIDER,
            "Clover already holds this card for the customer.",
            user_code=UserErrorCode.DUPLICATE,
            field=("input", "token"),
            status=status,
            code=code,
        )
    return ProviderRejected(
        PROVIDER,
        f"Clover rejected the request ({code}).",
        user_code=UserErrorCode.INVALID if status == 400 else UserErrorCode.REJECTED_BY_PROVIDER,
        status=status,
        code=code,
    )
