"""Digital River JSON <-> the unified model: pure functions, table-tested without a network.

Digital River keeps the name, phone and company inside the customer's one `shipping`
object, which an update replaces whole (the rulings), so every write that touches it
is built here from the stored object plus the change. What Digital River would refuse
with a 400 (caller id length, metadata limits, an address without country) is checked
here first, so bad input is refused before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from gateway.errors import (
    FieldPath,
    GatewayError,
    ProviderBadResponse,
    ProviderNotFound,
    ProviderRejected,
    UserErrorCode,
    UserInputError,
)
from gateway.model import (
    Address,
    AddressFields,
    Customer,
    CustomerFields,
    CustomerQuery,
    CustomerType,
    Money,
    NewCustomer,
    Order,
    PaymentSource,
    PaymentSourceKind,
    ProviderName,
)
from gateway.providers.kit import attrs, given, touches
from gateway.providers.native import curated
from gateway.providers.timestamps import parse_time
from gateway.providers.versioning import record_version
from gateway.validation import camel

PROVIDER = ProviderName.DIGITAL_RIVER
ADDRESS_ID = "shipping"
MAX_METADATA_KEYS = 20
MAX_METADATA_KEY_LENGTH = 40
MAX_METADATA_VALUE_LENGTH = 500

# Unified customer field -> top-level Digital River customer field.
TOP_LEVEL_FIELDS: dict[str, str] = {
    "email": "email",
    "locale": "locale",
    "customer_type": "type",
    "enabled": "enabled",
    "metadata": "metadata",
}
# Unified customer field -> key of the customer's `shipping` object.
SHIPPING_FIELDS: dict[str, str] = {
    "display_name": "name",
    "phone": "phone",
    "company_name": "organization",
}
CUSTOMER_FIELDS: frozenset[str] = frozenset(TOP_LEVEL_FIELDS) | frozenset(SHIPPING_FIELDS)
# Unified address field -> key of `shipping.address`.
ADDRESS_FIELDS: dict[str, str] = {
    "line1": "line1",
    "line2": "line2",
    "city": "city",
    "region": "state",
    "postal_code": "postalCode",
    "country": "country",
}
CUSTOMER_TYPES: dict[CustomerType, str] = {
    CustomerType.INDIVIDUAL: "individual",
    CustomerType.BUSINESS: "business",
}
_TYPES_BACK = {native: unified for unified, native in CUSTOMER_TYPES.items()}

# Digital River's `parameter` -> the input field it is about.
_PARAMETER_FIELDS: dict[str, FieldPath] = {
    "id": ("input", "providerId"),
    **{native: ("input", camel(name)) for name, native in TOP_LEVEL_FIELDS.items()},
    **{f"shipping.{native}": ("input", camel(name)) for name, native in SHIPPING_FIELDS.items()},
    "shipping.address": ("input", "address"),
    **{
        f"shipping.address.{native}": ("input", "address", camel(name))
        for name, native in ADDRESS_FIELDS.items()
    },
}
_INVALID_CODES = frozenset(
    {
        "invalid_parameter",
        "missing_parameter",
        "unknown_parameter",
        "email_invalid",
        "invalid_metadata_key",
        "invalid_metadata_value",
        "too_many_metadata_pairs",
    }
)
_SOURCE_CODES = frozenset({"source_not_chargeable", "nonreusable_source", "source_in_use"})
# ISO 4217 minor units where they are not 2: Digital River amounts are in major units.
_MINOR_DIGITS: dict[str, int] = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND"), 0
    ),
    **dict.fromkeys(("VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def format_time(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


NATIVE_HIDDEN = frozenset({"clientSecret"})
"""Kept from clients: sources' `clientSecret`s, which unlock them client-side."""


def public_view(native: Mapping[str, Any]) -> dict[str, Any]:
    """The customer as clients may see it (`gateway.providers.native`)."""
    return curated(native, NATIVE_HIDDEN)


def _shipping(native: Mapping[str, Any]) -> dict[str, Any]:
    shipping = native.get("shipping")
    return shipping if isinstance(shipping, dict) else {}


def to_customer(native: Mapping[str, Any]) -> Customer:
    """The unified customer; the version is a hash of the record (Digital River has none)."""
    try:
        shipping = _shipping(native)
        metadata = native.get("metadata")
        enabled = native.get("enabled")
        return Customer(
            provider=PROVIDER,
            provider_id=str(native["id"]),
            version=record_version(native),
            native=public_view(native),
            email=native.get("email"),
            display_name=shipping.get("name"),
            company_name=shipping.get("organization"),
            phone=shipping.get("phone"),
            locale=native.get("locale"),
            customer_type=_TYPES_BACK.get(native.get("type") or ""),
            enabled=enabled if isinstance(enabled, bool) else None,
            metadata=dict(metadata) if isinstance(metadata, dict) else None,
            created_at=parse_time(native.get("createdTime")),
            updated_at=parse_time(native.get("updatedTime")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProviderBadResponse(PROVIDER, f"unreadable customer: {type(exc).__name__}") from exc


def forget_requested(native: Mapping[str, Any]) -> bool:
    return native.get("requestToBeForgotten") is True


def to_address(native: Mapping[str, Any]) -> Address | None:
    address = _shipping(native).get("address")
    if not isinstance(address, dict) or not address:
        return None
    return Address(
        id=ADDRESS_ID,
        label=ADDRESS_ID,
        **{name: address.get(key) for name, key in ADDRESS_FIELDS.items()},
    )


def address_body(address: Address) -> dict[str, Any]:
    """The complete `shipping.address`: Digital River replaces `shipping` whole."""
    return attrs(address, ADDRESS_FIELDS)


def check_address(address: Address, path: FieldPath) -> list[UserInputError]:
    """Digital River requires `country` in every address it stores."""
    if address.country:
        return []
    return [
        UserInputError(
            UserErrorCode.INVALID,
            "Digital River needs a country in the address.",
            (*path, "country"),
        )
    ]


def with_address(native: Mapping[str, Any], address: Address | None) -> dict[str, Any] | None:
    """The stored `shipping` with its address set (or removed); None when nothing is left."""
    shipping = {k: v for k, v in _shipping(native).items() if k != "address"}
    if address is not None:
        shipping["address"] = address_body(address)
    return shipping or None


def to_payment_sources(native: Mapping[str, Any]) -> list[PaymentSource]:
    default = native.get("defaultSourceId")
    sources = native.get("sources")
    if not isinstance(sources, list):
        return []
    return [to_payment_source(s, default) for s in sources if isinstance(s, dict) and "id" in s]


def to_payment_source(source: Mapping[str, Any], default_id: Any) -> PaymentSource:
    card = source.get("creditCard")
    card = card if isinstance(card, dict) else {}
    month, year = card.get("expirationMonth"), card.get("expirationYear")
    return PaymentSource(
        id=str(source["id"]),
        kind=PaymentSourceKind.CARD
        if source.get("type") == "creditCard"
        else PaymentSourceKind.OTHER,
        is_default=source["id"] == default_id,
        brand=card.get("brand"),
        last4=card.get("lastFourDigits"),
        exp_month=int(month) if isinstance(month, int | float) else None,
        exp_year=int(year) if isinstance(year, int | float) else None,
    )


def source_ids(native: Mapping[str, Any]) -> set[str]:
    return {s.id for s in to_payment_sources(native)}


def source_refusal(source: Mapping[str, Any]) -> str | None:
    """Why Digital River would refuse to attach `source` to a new customer, if it would."""
    if source.get("state") != "chargeable":
        return "source_not_chargeable"
    if source.get("customerId"):
        return "source_in_use"
    if source.get("reusable") is False:
        return "nonreusable_source"
    return None


def to_money(amount: Any, currency: Any) -> Money | None:
    if not isinstance(currency, str) or isinstance(amount, bool) or amount is None:
        return None
    try:
        major = Decimal(str(amount))
    except InvalidOperation:
        return None
    digits = _MINOR_DIGITS.get(currency.upper(), 2)
    minor = (major * (10**digits)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Money(int(minor), currency.upper())


def to_order(native: Mapping[str, Any]) -> Order:
    try:
        return Order(
            provider=PROVIDER,
            provider_id=str(native["id"]),
            customer_id=str(native.get("customerId") or ""),
            status=native.get("state"),
            total=to_money(native.get("totalAmount"), native.get("currency")),
            created_at=parse_time(native.get("createdTime")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProviderBadResponse(PROVIDER, f"unreadable order: {type(exc).__name__}") from exc


def check_metadata(metadata: Any) -> list[UserInputError]:
    """Digital River's limits: 20 keys of 40 characters, string/boolean/integer values."""
    if not isinstance(metadata, Mapping):
        return []
    problem = None
    if len(metadata) > MAX_METADATA_KEYS:
        problem = (
            f"Digital River keeps at most {MAX_METADATA_KEYS} metadata keys; "
            f"this has {len(metadata)}."
        )
    elif any(not key or len(key) > MAX_METADATA_KEY_LENGTH for key in metadata):
        problem = f"Metadata keys have 1 to {MAX_METADATA_KEY_LENGTH} characters."
    elif any(not isinstance(v, str | bool | int) for v in metadata.values()):
        problem = "Metadata values must be strings, booleans or integers."
    elif any(isinstance(v, str) and len(v) > MAX_METADATA_VALUE_LENGTH for v in metadata.values()):
        problem = f"Metadata values have at most {MAX_METADATA_VALUE_LENGTH} characters."
    if problem is None:
        return []
    return [UserInputError(UserErrorCode.INVALID, problem, ("input", "metadata"))]


def touches_shipping(fields: CustomerFields) -> bool:
    return touches(fields, SHIPPING_FIELDS)


def _top_level(fields: CustomerFields) -> dict[str, Any]:
    return {
        native: CUSTOMER_TYPES[value] if isinstance(value, CustomerType) else value
        for native, value in given(fields, TOP_LEVEL_FIELDS).items()
    }


def merged_shipping(current: Mapping[str, Any], fields: CustomerFields) -> dict[str, Any] | None:
    """The stored `shipping` with the patch applied; None (clear) when nothing is left."""
    shipping = dict(_shipping(current))
    for key, value in given(fields, SHIPPING_FIELDS).items():
        if value is None:
            shipping.pop(key, None)
        else:
            shipping[key] = value
    return shipping or None


def update_body(fields: CustomerFields, current: Mapping[str, Any] | None) -> dict[str, Any]:
    """A sparse update; `shipping` goes complete, merged from `current`, when touched."""
    body = _top_level(fields)
    if touches_shipping(fields):
        body["shipping"] = merged_shipping(current or {}, fields)
    return body


def create_body(new: NewCustomer) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if new.provider_id is not None:
        body["id"] = new.provider_id
    body |= {k: v for k, v in _top_level(new.fields).items() if v is not None}
    shipping = merged_shipping({}, new.fields)
    if new.address is not None:
        address = address_body(Address(id=ADDRESS_ID, **new.address))
        if address:
            shipping = {**(shipping or {}), "address": address}
    if shipping:
        body["shipping"] = shipping
    return body


def new_address(fields: AddressFields) -> Address:
    return replace(Address(id=ADDRESS_ID, **fields), label=ADDRESS_ID)


def same_create(existing: Mapping[str, Any], body: Mapping[str, Any]) -> bool:
    """Whether `existing` is what creating `body` would have stored: a lost answer's record."""
    return all(existing.get(key) == value for key, value in body.items())


def search_params(query: CustomerQuery, limit: int, cursor: str | None) -> list[tuple[str, str]]:
    """`GET /customers` with every filter Digital River applies: email and created time."""
    params: list[tuple[str, str]] = [("limit", str(max(1, min(limit, 100))))]
    if cursor:
        params.append(("startingAfter", cursor))
    if query.email is not None:
        params.append(("email", query.email.strip()))
    if query.created_after is not None:
        params.append(("createdTime[gt]", format_time(query.created_after)))
    if query.created_before is not None:
        params.append(("createdTime[lt]", format_time(query.created_before)))
    return params


def error_from(
    status: int,
    body: Any,
    id_field: FieldPath | None = None,
    source_field: FieldPath = ("input", "paymentSourceId"),
) -> GatewayError:
    """Read Digital River's `{"type", "errors": [{code, parameter, message}]}` envelope.

    `id_field` blames a missing customer on an input (None: the mutation's own id
    field); `source_field` is the input that carried the payment source id.
    """
    errors = body.get("errors") if isinstance(body, dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    kind = body.get("type") if isinstance(body, dict) else None
    code = str(first.get("code") or kind or "unknown")
    parameter = first.get("parameter")
    message = str(first.get("message") or "Digital River rejected the request.")
    if status == 404 or code == "not_found":
        field = source_field if parameter == "sourceId" else id_field
        return ProviderNotFound(PROVIDER, message, field=field, status=status, code=code)
    if code == "already_exists":
        return ProviderRejected(
            PROVIDER,
            "A Digital River customer with this id already exists.",
            user_code=UserErrorCode.DUPLICATE,
            field=("input", "providerId"),
            status=status,
            code=code,
        )
    if code in _SOURCE_CODES:
        return ProviderRejected(
            PROVIDER,
            f"Digital River refused the payment source ({code}).",
            user_code=UserErrorCode.REJECTED_BY_PROVIDER,
            field=source_field,
            status=status,
            code=code,
        )
    if parameter == "defaultSourceId":
        return ProviderNotFound(
            PROVIDER,
            "This customer has no such payment source.",
            field=source_field,
            status=status,
            code=code,
        )
    if status == 400 or code in _INVALID_CODES:
        return ProviderRejected(
            PROVIDER,
            message,
            user_code=UserErrorCode.INVALID,
            field=_PARAMETER_FIELDS.get(str(parameter)),
            status=status,
            code=code,
        )
    return ProviderRejected(
        PROVIDER,
        f"Digital River rejected the request ({code}).",
        user_code=UserErrorCode.REJECTED_BY_PROVIDER,
        field=_PARAMETER_FIELDS.get(str(parameter)),
        status=status,
        code=code,
    )
