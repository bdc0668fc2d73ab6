"""What the Square emulator refuses, how it writes, matches, sorts and pages (square.md).

Field limits and formats of a customer write; the sparse write (`null` or `""`
clears, the address is replaced whole); search's exact and fuzzy matching; and the
offset cursor, bound to the query it was issued for so a cursor from another query
is `INVALID_CURSOR`.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

from sandboxes.kit import decode_state, encode_state
from sandboxes.square.errors import SquareApiError, invalid_cursor

WRITABLE = {
    "given_name": 300,
    "family_name": 300,
    "nickname": 100,
    "company_name": 500,
    "email_address": 254,
    "phone_number": 32,
    "reference_id": 100,
    "note": 4000,
    "birthday": 10,
}
ADDRESS_FIELDS = {
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "locality",
    "sublocality",
    "administrative_district_level_1",
    "administrative_district_level_2",
    "postal_code",
    "country",
    "first_name",
    "last_name",
}
IDENTITY = ("given_name", "family_name", "company_name", "email_address", "phone_number")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BIRTHDAY_RE = re.compile(r"^(?:(\d{4})-)?(\d{2})-(\d{2})$")


def _parse_time(value: str, field: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SquareApiError(400, "INVALID_TIME", f"Invalid time `{value}`.", field) from exc


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def fingerprint(body: dict[str, Any]) -> str:
    """What a cursor is bound to: the query it was issued for."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


def validate_fields(body: dict[str, Any], allowed: set[str]) -> None:
    for key in body:
        if key not in allowed:
            raise SquareApiError(
                400, "UNKNOWN_BODY_PARAMETER", f"Unknown body parameter `{key}`.", key
            )
    for key, limit in WRITABLE.items():
        value = body.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise SquareApiError(400, "EXPECTED_STRING", f"Expected `{key}` to be a string.", key)
        if len(value) > limit:
            raise SquareApiError(400, "VALUE_TOO_LONG", f"`{key}` is too long.", key)
    email = body.get("email_address")
    if email and not EMAIL_RE.match(email):
        raise SquareApiError(
            400, "INVALID_EMAIL_ADDRESS", "The email address is invalid.", "email_address"
        )
    phone = body.get("phone_number")
    if phone and not (re.fullmatch(r"[+\d\s().-]+", phone) and 9 <= len(_digits(phone)) <= 16):
        raise SquareApiError(
            400, "INVALID_PHONE_NUMBER", "The phone number is invalid.", "phone_number"
        )
    birthday = body.get("birthday")
    if birthday:
        match = BIRTHDAY_RE.match(birthday)
        if not match or not (1 <= int(match[2]) <= 12 and 1 <= int(match[3]) <= 31):
            raise SquareApiError(400, "INVALID_TIME", "The birthday is invalid.", "birthday")
        body["birthday"] = f"{match[1] or '0000'}-{match[2]}-{match[3]}"
    address = body.get("address")
    if address is not None and address != "":
        if not isinstance(address, dict):
            raise SquareApiError(400, "EXPECTED_OBJECT", "Expected an address object.", "address")
        for key in address:
            if key not in ADDRESS_FIELDS:
                raise SquareApiError(
                    400, "UNKNOWN_BODY_PARAMETER", f"Unknown address field `{key}`.", key
                )
        country = address.get("country")
        if country is not None and not re.fullmatch(r"[A-Z]{2}", str(country)):
            raise SquareApiError(
                400, "INVALID_ENUM_VALUE", "`country` is not a valid country.", "country"
            )


def apply(customer: dict[str, Any], body: dict[str, Any]) -> None:
    """A sparse write: `null` or `""` clears a field; the address is replaced whole."""
    for key, value in body.items():
        if key == "address":
            cleaned = (
                {k: v for k, v in value.items() if v not in (None, "")}
                if isinstance(value, dict)
                else {}
            )
            if cleaned:
                customer["address"] = cleaned
            else:
                customer.pop("address", None)
        elif value is None or value == "":
            customer.pop(key, None)
        else:
            customer[key] = value


def _matches_text(value: str | None, condition: dict[str, str], field: str) -> bool:
    if "exact" in condition and "fuzzy" in condition:
        raise SquareApiError(400, "INVALID_VALUE", "Use exact or fuzzy, not both.", field)
    if value is None:
        return False
    if "exact" in condition:
        if field == "phone_number":
            return _digits(value) == _digits(condition["exact"])
        return value.lower() == condition["exact"].lower()
    tokens = re.split(r"[\s._@+()-]+", condition.get("fuzzy", "").lower())
    haystack = value.lower()
    return all(token in haystack for token in tokens if token)


def search_filter(customer: dict[str, Any], flt: dict[str, Any]) -> bool:
    for field in ("email_address", "phone_number", "reference_id"):
        if field in flt and not _matches_text(customer.get(field), flt[field], field):
            return False
    if "created_at" in flt:
        created = _parse_time(customer["created_at"], "created_at")
        start, end = flt["created_at"].get("start_at"), flt["created_at"].get("end_at")
        if start and created < _parse_time(start, "start_at"):
            return False
        if end and created > _parse_time(end, "end_at"):
            return False
    return True


def page(
    key: str,
    items: list[dict[str, Any]],
    limit: Any,
    cursor: str | None,
    bound_to: str,
    *,
    most: int = 100,
) -> dict[str, Any]:
    """`{key: [...], "cursor"?}` from the offset in `cursor`; `{}` when empty, as Square answers."""
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise SquareApiError(400, "EXPECTED_INTEGER", "Expected `limit` to be an integer.", "limit")
    if limit < 1:
        raise SquareApiError(400, "VALUE_TOO_LOW", "`limit` must be at least 1.", "limit")
    if limit > most:
        raise SquareApiError(400, "VALUE_TOO_HIGH", f"`limit` must be at most {most}.", "limit")
    offset = 0
    if cursor:
        state = decode_state(cursor)
        if state is None or state.get("h") != bound_to or not isinstance(state.get("o"), int):
            raise invalid_cursor()
        offset = state["o"]
    chunk = items[offset : offset + limit]
    if not chunk:
        return {}
    result: dict[str, Any] = {key: chunk}
    if offset + limit < len(items):
        result["cursor"] = encode_state({"o": offset + limit, "h": bound_to})
    return result


def listable(customer: dict[str, Any]) -> bool:
    return any(customer.get(field) for field in IDENTITY)


def sort_customers(customers: list[dict[str, Any]], field: str, order: str) -> list[dict[str, Any]]:
    if field == "CREATED_AT":
        key = lambda c: (c["created_at"], c["id"])  # noqa: E731 - a sort key, read inline
    else:
        key = lambda c: (  # noqa: E731 - a sort key, read inline
            f"{c.get('given_name', '')} {c.get('family_name', '')}".strip().lower()
            or (c.get("company_name") or c.get("email_address") or c.get("phone_number") or ""),
            c["id"],
        )
    return sorted(customers, key=key, reverse=order == "DESC")
