"""How the Square emulator checks, writes, matches, sorts and pages customers (square.md).

The formats a customer write must have (email, a 9-16 digit phone, a birthday that
exists); the sparse write (`null`, or `""` as older API versions did, clears a field;
the address is merged field by field and its `first_name`/`last_name` are ignored, as
the spec says); SearchCustomers' filters, every one of them applied or refused; and the
offset cursor, bound to the query it was issued for so a cursor from another query is
`INVALID_CURSOR`.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sandboxes.kit import decode_state, encode_state
from sandboxes.square.errors import SquareApiError, invalid_cursor
from sandboxes.square.shapes import parse_time

IDENTITY = ("given_name", "family_name", "company_name", "email_address", "phone_number")
IGNORED_ADDRESS_FIELDS = ("first_name", "last_name")
MAX_SEGMENT_IDS = 3
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE_RE = re.compile(r"\+?[\d\s().-]+")
BIRTHDAY_RE = re.compile(r"(?:(\d{4})-)?(\d{2})-(\d{2})", re.ASCII)

Matcher = Callable[[dict[str, Any]], bool]


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def fingerprint(body: dict[str, Any]) -> str:
    """What a cursor or an idempotency key is bound to: the request it was issued for."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


def check_formats(data: dict[str, Any], prefix: str = "") -> None:
    """Email, phone and birthday as Square accepts them; the birthday becomes `YYYY-MM-DD`."""
    email = data.get("email_address")
    if email and not EMAIL_RE.fullmatch(email):
        raise SquareApiError(
            400, "INVALID_EMAIL_ADDRESS", "The email address is invalid.", f"{prefix}email_address"
        )
    phone = data.get("phone_number")
    if phone and not (PHONE_RE.fullmatch(phone) and 9 <= len(_digits(phone)) <= 16):
        raise SquareApiError(
            400, "INVALID_PHONE_NUMBER", "The phone number is invalid.", f"{prefix}phone_number"
        )
    birthday = data.get("birthday")
    if birthday:
        data["birthday"] = _birthday(birthday, f"{prefix}birthday")


def _birthday(value: str, field: str) -> str:
    """`YYYY-MM-DD` or `MM-DD` naming a day that exists (29 February only in a leap year)."""
    match = BIRTHDAY_RE.fullmatch(value)
    if match:
        year, month, day = match[1] or "0000", int(match[2]), int(match[3])
        calendar_year = 2000 if year == "0000" else int(year)  # no year: any 29 February
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(calendar_year, month)[1]:
            return f"{year}-{match[2]}-{match[3]}"
    raise SquareApiError(400, "INVALID_TIME", "The birthday is not a real date.", field)


def has_identity(data: dict[str, Any]) -> bool:
    return any(data.get(field) for field in IDENTITY)


def identity_missing(field: str | None = None) -> SquareApiError:
    return SquareApiError(
        400,
        "BAD_REQUEST",
        "At least one of given_name, family_name, company_name, email_address, "
        "or phone_number is required for a customer.",
        field,
    )


def apply(record: dict[str, Any], data: dict[str, Any]) -> None:
    """A sparse write: `null` or `""` clears; the address merges one field at a time."""
    for key, value in data.items():
        if key == "address" and isinstance(value, dict):
            merged = {**record.get("address", {}), **value}
            kept = {
                k: v
                for k, v in merged.items()
                if v not in (None, "") and k not in IGNORED_ADDRESS_FIELDS
            }
            if kept:
                record["address"] = kept
            else:
                record.pop("address", None)
        elif key == "tax_ids" and isinstance(value, dict):
            kept = {k: v for k, v in {**record.get("tax_ids", {}), **value}.items() if v}
            if kept:
                record["tax_ids"] = kept
            else:
                record.pop("tax_ids", None)
        elif value is None or value == "":
            record.pop(key, None)
        else:
            record[key] = value


def _text_matcher(name: str, condition: dict[str, Any] | None) -> Matcher | None:
    """Exact or fuzzy, never both; case-insensitive; phones compared as E.164 digits."""
    if not condition:
        return None
    exact, fuzzy = condition.get("exact"), condition.get("fuzzy")
    if exact is not None and fuzzy is not None:
        raise SquareApiError(
            400,
            "CONFLICTING_PARAMETERS",
            "A text filter takes `exact` or `fuzzy`, not both.",
            f"query.filter.{name}",
        )
    if exact is not None:
        if name == "phone_number":
            if not exact.strip().startswith("+"):
                raise SquareApiError(
                    400,
                    "INVALID_PHONE_NUMBER",
                    "An exact phone filter takes an E.164 number, with its `+` and country code.",
                    f"query.filter.{name}.exact",
                )
            wanted = _digits(exact)
            return lambda c: bool(c.get(name)) and _digits(c[name]) == wanted
        return lambda c: str(c.get(name) or "").lower() == exact.lower() and name in c
    if fuzzy is None:
        return None
    tokens = [t for t in re.split(r"[^0-9a-z]+", fuzzy.lower()) if t]
    return lambda c: name in c and all(t in str(c[name]).lower() for t in tokens)


def _time_matcher(name: str, window: dict[str, Any] | None) -> Matcher | None:
    if not window:
        return None
    start, end = window.get("start_at"), window.get("end_at")
    low = parse_time(start, f"query.filter.{name}.start_at") if start else None
    high = parse_time(end, f"query.filter.{name}.end_at") if end else None

    def inside(customer: dict[str, Any]) -> bool:
        moment = datetime.fromisoformat(customer[name].replace("Z", "+00:00"))
        return (low is None or moment >= low) and (high is None or moment <= high)

    return inside


def _source_matcher(condition: dict[str, Any] | None) -> Matcher | None:
    values = (condition or {}).get("values")
    if not values:
        return None
    include = (condition or {}).get("rule") in (None, "INCLUDE")
    return lambda c: (c.get("creation_source") in values) == include


def _refuse_memberships(flt: dict[str, Any]) -> Matcher | None:
    """This seller has no groups and no segments, so any group or segment id is unknown.

    An unknown group id empties the result, as documented; an unknown segment id is
    `400 BAD_REQUEST` naming it; custom attributes need definitions, of which there are none.
    """
    segments = [i for part in (flt.get("segment_ids") or {}).values() for i in part or []]
    if len(segments) > MAX_SEGMENT_IDS:
        raise SquareApiError(
            400,
            "ARRAY_LENGTH_TOO_LONG",
            "The segment filter takes at most 3 segment ids.",
            "query.filter.segment_ids",
        )
    if segments:
        raise SquareApiError(
            400,
            "BAD_REQUEST",
            f"Segment with ID `{segments[0][:64]}` not found.",
            "query.filter.segment_ids",
        )
    for index, attribute in enumerate((flt.get("custom_attribute") or {}).get("filters") or []):
        raise SquareApiError(
            400,
            "BAD_REQUEST",
            f"No custom attribute definition `{attribute['key'][:64]}` is visible to this app.",
            f"query.filter.custom_attribute.filters[{index}].key",
        )
    groups = [i for part in (flt.get("group_ids") or {}).values() for i in part or []]
    return (lambda _: False) if groups else None


def customer_matcher(flt: dict[str, Any] | None) -> Matcher:
    """One predicate for a SearchCustomers filter (its parts ANDed), refused before any match."""
    flt = flt or {}
    parts = [
        _refuse_memberships(flt),
        *(_text_matcher(n, flt.get(n)) for n in ("email_address", "phone_number", "reference_id")),
        *(_time_matcher(n, flt.get(n)) for n in ("created_at", "updated_at")),
        _source_matcher(flt.get("creation_source")),
    ]
    checks = [part for part in parts if part is not None]
    return lambda customer: all(check(customer) for check in checks)


def page(
    key: str,
    items: list[dict[str, Any]],
    limit: int,
    cursor: str | None,
    bound_to: str,
) -> dict[str, Any]:
    """`{key: [...], "cursor"?}` from the offset in `cursor`; `{}` when empty, as Square answers."""
    offset = 0
    if cursor:
        state = decode_state(cursor)
        if state is None or state.get("h") != bound_to or not isinstance(state.get("o"), int):
            raise invalid_cursor()
        offset = max(0, state["o"])
    chunk = items[offset : offset + limit]
    if not chunk:
        return {}
    result: dict[str, Any] = {key: chunk}
    if offset + limit < len(items):
        result["cursor"] = encode_state({"o": offset + limit, "h": bound_to})
    return result


def listable(customer: dict[str, Any]) -> bool:
    return has_identity(customer)


def sort_customers(
    customers: list[dict[str, Any]], field: str | None, order: str | None
) -> list[dict[str, Any]]:
    """`DEFAULT` is alphabetical on the names, then company, email, phone; ASC unless DESC."""
    if field == "CREATED_AT":
        key = lambda c: (c["created_at"], c["id"])  # noqa: E731 - a sort key, read inline
    else:
        key = lambda c: (  # noqa: E731 - a sort key, read inline
            f"{c.get('given_name', '')} {c.get('family_name', '')}".strip().lower()
            or (c.get("company_name") or c.get("email_address") or c.get("phone_number") or ""),
            c["id"],
        )
    return sorted(customers, key=key, reverse=order == "DESC")
