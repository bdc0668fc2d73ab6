"""What the Clover emulator refuses in a v3 write (clover.md, "Customers" and rulings).

Text fields and their lengths, the required fields of an address (Clover checks
them on every write), email and phone sub-resources, `metadata` taken whole (a
birthday must be a real date: no 30 February), and
nested lists that create bodies may send plain or as `{"elements": [...]}`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from sandboxes.clover.errors import PlatformError

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ADDRESS_LIMITS = {"address1": 127, "address2": 127, "address3": 127, "city": 127, "state": 127}
ADDRESS_REQUIRED = ("address1", "city", "state", "zip", "country")
METADATA_LIMITS = {"businessName": 127, "note": 2000}


def check_text(body: Mapping[str, Any], key: str, limit: int, *, required: bool = False) -> None:
    value = body.get(key)
    if value is None:
        if required:
            raise PlatformError(400, f"Missing required field: {key}")
        return
    if not isinstance(value, str):
        raise PlatformError(400, f"Invalid value for {key}: expected a string")
    if required and not value.strip():
        raise PlatformError(400, f"Missing required field: {key}")
    if len(value) > limit:
        raise PlatformError(400, f"Invalid value for {key}: at most {limit} characters")


def validate_address(body: Mapping[str, Any]) -> dict[str, Any]:
    for key, limit in ADDRESS_LIMITS.items():
        check_text(body, key, limit, required=key in ADDRESS_REQUIRED)
    check_text(body, "zip", 10, required=True)
    country = body.get("country")
    if not isinstance(country, str) or len(country) != 2:
        raise PlatformError(400, "Invalid value for country: expected 2 characters")
    return {k: body[k] for k in (*ADDRESS_LIMITS, "zip", "country") if body.get(k) is not None}


def validate_email(body: Mapping[str, Any]) -> dict[str, Any]:
    email = body.get("emailAddress")
    if not isinstance(email, str) or not EMAIL_RE.match(email):
        raise PlatformError(400, "Invalid value for emailAddress")
    out: dict[str, Any] = {"emailAddress": email}
    if isinstance(body.get("primaryEmail"), bool):
        out["primaryEmail"] = body["primaryEmail"]
    return out


def validate_phone(body: Mapping[str, Any]) -> dict[str, Any]:
    check_text(body, "phoneNumber", 127, required=True)
    return {"phoneNumber": body["phoneNumber"]}


def validate_metadata(body: Any) -> dict[str, Any] | None:
    """Metadata as a whole: what is not sent is not kept (the stricter reading)."""
    if body is None:
        return None
    if not isinstance(body, dict):
        raise PlatformError(400, "Invalid value for metadata: expected an object")
    for key, limit in METADATA_LIMITS.items():
        check_text(body, key, limit)
    ranges = {"dobYear": (1, 9999), "dobMonth": (1, 12), "dobDay": (1, 31)}
    for key, (low, high) in ranges.items():
        value = body.get(key)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high
        ):
            raise PlatformError(400, f"Invalid value for {key}")
    month, day = body.get("dobMonth"), body.get("dobDay")
    if month is not None and day is not None:
        year = body.get("dobYear") or 2000  # a leap year: 29 February without a year is a date
        try:
            dt.date(year, month, day)
        except ValueError as exc:
            raise PlatformError(400, "Invalid value for dobDay: no such date") from exc
    kept = {k: body[k] for k in (*METADATA_LIMITS, *ranges) if body.get(k) is not None}
    return kept or None


def nested_list(body: Mapping[str, Any], key: str) -> list[Any]:
    """Create bodies may carry plain arrays or `{"elements": [...]}`."""
    value = body.get(key)
    if value is None:
        return []
    if isinstance(value, dict):
        value = value.get("elements")
    if not isinstance(value, list):
        raise PlatformError(400, f"Invalid value for {key}: expected a list")
    return value
