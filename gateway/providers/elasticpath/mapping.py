"""Elastic Path JSON <-> the unified model: pure functions, table-tested without a network."""

from __future__ import annotations

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
    UserInputError,
)
from gateway.model import (
    Address,
    AddressFields,
    Customer,
    CustomerFields,
    CustomerQuery,
    Money,
    Order,
    ProviderName,
)
from gateway.providers.elasticpath.query import condition
from gateway.providers.kit import given
from gateway.providers.native import curated
from gateway.providers.timestamps import parse_time
from gateway.providers.versioning import record_version
from gateway.validation import camel

PROVIDER = ProviderName.ELASTIC_PATH
PAGE_LIMIT_MAX = 100

# Unified customer field -> Elastic Path customer attribute. `password` is write-only:
# Elastic Path reads it back as a boolean, which becomes `has_password`.
CUSTOMER_FIELDS: dict[str, str] = {
    "email": "email",
    "display_name": "name",
    "reference_id": "external_ref",
    "password": "password",
}
# Unified address field -> Elastic Path address attribute (`name` is the label).
ADDRESS_FIELDS: dict[str, str] = {
    "label": "name",
    "first_name": "first_name",
    "last_name": "last_name",
    "company_name": "company_name",
    "phone": "phone_number",
    "line1": "line_1",
    "line2": "line_2",
    "city": "city",
    "region": "region",
    "postal_code": "postcode",
    "country": "country",
    "instructions": "instructions",
}
REQUIRED = frozenset({"email", "display_name"})
NATIVE_HIDDEN = frozenset({"links"})
"""Kept from clients: `links` name the store's API host."""
CUSTOMER_SOURCES: dict[str, FieldPath] = {
    native: ("input", camel(name)) for name, native in CUSTOMER_FIELDS.items()
}
ADDRESS_SOURCES: dict[str, FieldPath] = {
    native: ("input", "address", camel(name)) for name, native in ADDRESS_FIELDS.items()
}
ADDRESS_SOURCES["county"] = ("input", "address", "region")


def _timestamps(native: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = native.get("meta")
    stamps = meta.get("timestamps") if isinstance(meta, Mapping) else None
    return stamps if isinstance(stamps, Mapping) else {}


def to_customer(native: dict[str, Any]) -> Customer:
    """Older samples omit `meta` and `external_ref`; both are optional here."""
    try:
        stamps = _timestamps(native)
        password = native.get("password")
        return Customer(
            provider=PROVIDER,
            provider_id=str(native["id"]),
            version=record_version(native),
            native=curated(native, NATIVE_HIDDEN),
            email=native.get("email"),
            display_name=native.get("name"),
            reference_id=native.get("external_ref"),
            has_password=bool(password) if password is not None else None,
            created_at=parse_time(stamps.get("created_at")),
            updated_at=parse_time(stamps.get("updated_at")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProviderBadResponse(PROVIDER, f"unreadable customer: {type(exc).__name__}") from exc


def to_address(native: dict[str, Any]) -> Address:
    """`region` is the state or province; UK-style addresses carry only `county`."""
    try:
        values = {name: native.get(attr) or None for name, attr in ADDRESS_FIELDS.items()}
        values["region"] = values["region"] or native.get("county") or None
        return Address(id=str(native["id"]), **values)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ProviderBadResponse(PROVIDER, f"unreadable address: {type(exc).__name__}") from exc


def to_order(native: dict[str, Any], customer_id: str) -> Order:
    """The total is `meta.display_price.with_tax`, already in the currency's minor unit."""
    try:
        price = native.get("meta", {}).get("display_price", {}).get("with_tax")
        total = (
            Money(int(price["amount"]), str(price["currency"]))
            if isinstance(price, Mapping) and price.get("currency")
            else None
        )
        return Order(
            provider=PROVIDER,
            provider_id=str(native["id"]),
            customer_id=customer_id,
            status=native.get("status"),
            total=total,
            created_at=parse_time(_timestamps(native).get("created_at")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProviderBadResponse(PROVIDER, f"unreadable order: {type(exc).__name__}") from exc


def customer_body(fields: CustomerFields, *, creating: bool) -> dict[str, Any]:
    """A sparse `data` object: omitted fields are absent, None becomes JSON null (clear).

    Elastic Path cannot clear `name` or `email` and needs both on create, so that is
    refused here, before any call.
    """
    errors = [
        UserInputError(
            UserErrorCode.INVALID,
            f"Elastic Path requires `{camel(name)}`.",
            ("input", camel(name)),
        )
        for name in sorted(REQUIRED)
        if (creating and not fields.get(name)) or (name in fields and not fields.get(name))
    ]
    if errors:
        raise errors[0]
    return {"type": "customer", **given(fields, CUSTOMER_FIELDS)}


def address_body(address: AddressFields) -> dict[str, Any]:
    """A sparse address `data` object; clearing `region` also clears `county`.

    `region` reads `county` when `region` is empty, so a clear must remove both.
    """
    data = {"type": "address", **given(address, ADDRESS_FIELDS)}
    if "region" in address and address["region"] is None:
        data["county"] = None
    return data


def search_params(query: CustomerQuery, limit: int, offset: int) -> dict[str, str]:
    """Get-all-customers, newest first, with every filter Elastic Path can apply.

    `eq` on email may compare case-sensitively, so email goes as `like` (which ignores
    case); it can over-match, and the adapter filters the page exactly afterwards.
    Customers have no phone: a phone query never reaches Elastic Path.
    """
    conditions: list[str] = []
    if query.email is not None:
        conditions.append(condition("like", "email", query.email.strip()))
    if query.name is not None:
        conditions.append(condition("like", "name", f"*{query.name}*"))
    if query.reference_id is not None:
        conditions.append(condition("eq", "external_ref", query.reference_id))
    if query.created_after is not None:
        conditions.append(condition("gt", "created_at", _utc(query.created_after)))
    if query.created_before is not None:
        conditions.append(condition("lt", "created_at", _utc(query.created_before)))
    params = {
        "page[limit]": str(min(limit, PAGE_LIMIT_MAX)),
        "page[offset]": str(offset),
        "sort": "-created_at",
    }
    if conditions:
        params["filter"] = ":".join(conditions)
    return params


def _utc(moment: datetime) -> str:
    """An ISO timestamp in UTC with `Z`, as Elastic Path's filter examples write them."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def next_offset(body: Mapping[str, Any], offset: int, received: int) -> int | None:
    """Where the next page starts, or None at the end (from `meta.results.total`)."""
    meta = body.get("meta")
    results = meta.get("results") if isinstance(meta, Mapping) else None
    total = results.get("total") if isinstance(results, Mapping) else None
    if not isinstance(total, int):
        return offset + received if received else None
    return offset + received if received and offset + received < total else None


def access_token(body: Any) -> tuple[str, float]:
    """`access_token` and `expires_in` of a token answer.

    The answer is flat; one OpenAPI example wraps it in `data`, which is accepted too.
    """
    if isinstance(body, Mapping) and "access_token" not in body:
        body = body.get("data")
    if not isinstance(body, Mapping) or not isinstance(body.get("access_token"), str):
        raise ProviderBadResponse(PROVIDER, "token answer without access_token")
    expires_in = body.get("expires_in")
    lifetime = float(expires_in) if isinstance(expires_in, int | float) else 3600.0
    return body["access_token"], lifetime


def _first_error(body: Any) -> Mapping[str, Any]:
    errors = body.get("errors") if isinstance(body, Mapping) else None
    first = errors[0] if isinstance(errors, list) and errors else None
    return first if isinstance(first, Mapping) else {}


def error_from(
    status: int,
    body: Any,
    id_field: FieldPath = ("input", "id"),
    sources: Mapping[str, FieldPath] = CUSTOMER_SOURCES,
) -> GatewayError:
    """Read Elastic Path's `{"errors": [...]}` envelope into a gateway error.

    `status` may be an integer or a string there; `source` is a plain attribute name or a
    path such as `data.email`, whose last segment names the field.
    """
    first = _first_error(body)
    title = str(first.get("title") or "")
    detail = str(first.get("detail") or title or "Elastic Path rejected the request.")
    source = str(first.get("source") or "").rsplit(".", 1)[-1]
    field = sources.get(source)
    if status == 404:
        return ProviderNotFound(PROVIDER, detail, field=id_field, status=status, code=title)
    if status == 409 and "duplicate" in f"{title} {detail}".lower():
        return ProviderRejected(
            PROVIDER,
            "Another Elastic Path customer already has this email.",
            user_code=UserErrorCode.DUPLICATE,
            field=("input", "email"),
            status=status,
            code=title,
        )
    if status == 409:
        return ProviderRejected(
            PROVIDER,
            "The customer was changed concurrently; read it again and retry.",
            user_code=UserErrorCode.CONFLICT,
            status=status,
            code=title,
        )
    if status in {400, 422}:
        return ProviderRejected(
            PROVIDER,
            detail,
            user_code=UserErrorCode.INVALID,
            field=field,
            status=status,
            code=title,
        )
    return ProviderRejected(
        PROVIDER,
        f"Elastic Path rejected the request ({status}).",
        user_code=UserErrorCode.REJECTED_BY_PROVIDER,
        field=field,
        status=status,
        code=title,
    )
