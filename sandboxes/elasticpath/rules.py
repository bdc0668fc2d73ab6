"""What the Elastic Path emulator refuses in a write, and how a write lands (§3, §5).

Writes are `{"data": {"type": ...}}` (an address's `type` may be left out: the
addresses spec defaults it); a customer takes `name` and `email` (which
cannot be cleared), `password` and `external_ref` of at most 2048 characters; an
address takes its documented string fields and a 2-letter country. A write is
partial: absent fields stay, `null` or `""` clears.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sandboxes.elasticpath.errors import ApiError, data_required
from sandboxes.elasticpath.store import ADDRESS_FIELDS

CUSTOMER_WRITABLE = ("name", "email", "password", "external_ref")
EXTERNAL_REF_MAX = 2048
EMAIL_RE = re.compile(r"^[^@\s.][^@\s]*@[^@\s]+\.[^@\s]+$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


def data_of(body: Any, kind: str, *, typed: bool = True) -> dict[str, Any]:
    """The `data` object of a write, which names its `type` unless `typed` is False."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise data_required()
    data: dict[str, Any] = body["data"]
    if data.get("type", None if typed else kind) != kind:
        raise ApiError(400, "Bad Request", f"type must be {kind}", "data.type")
    return data


def check_customer(data: Mapping[str, Any], *, creating: bool, customer_id: str | None) -> None:
    for key in data:
        if key not in {*CUSTOMER_WRITABLE, "type", "id"}:
            raise ApiError(400, "Bad Request", f"{key} is not a customer field", f"data.{key}")
    if "id" in data and (creating or data["id"] != customer_id):
        raise ApiError(400, "Bad Request", "id cannot be set", "data.id")
    for key in ("name", "email"):
        if creating and data.get(key) in (None, ""):
            raise ApiError(400, "required", f"{key} is required", f"data.{key}")
        if key in data and (not isinstance(data[key], str) or not data[key].strip()):
            raise ApiError(400, "Bad Request", f"{key} cannot be empty", f"data.{key}")
    email = data.get("email")
    if isinstance(email, str) and (not EMAIL_RE.match(email) or ".." in email):
        raise ApiError(400, "format", "Does not match format 'email'", "data.email")
    password = data.get("password")
    if password is not None and (not isinstance(password, str) or not password):
        raise ApiError(400, "Bad Request", "password must be a string", "data.password")
    ref = data.get("external_ref")
    if ref is not None and (not isinstance(ref, str) or len(ref) > EXTERNAL_REF_MAX):
        raise ApiError(
            400, "Bad Request", f"external_ref is at most {EXTERNAL_REF_MAX}", "data.external_ref"
        )


def check_address(data: Mapping[str, Any], address_id: str | None) -> None:
    for key, value in data.items():
        if key == "type":
            continue
        if key == "id":
            if value != address_id:
                raise ApiError(400, "Bad Request", "id cannot be set", "data.id")
            continue
        if key not in ADDRESS_FIELDS:
            raise ApiError(400, "Bad Request", f"{key} is not an address field", f"data.{key}")
        if value is not None and not isinstance(value, str):
            raise ApiError(400, "Bad Request", f"{key} must be a string", f"data.{key}")
    country = data.get("country")
    if country and not COUNTRY_RE.match(country):
        raise ApiError(400, "format", "country must be a 2-letter ISO code", "data.country")


def apply(record: dict[str, Any], data: Mapping[str, Any], fields: Sequence[str]) -> None:
    """A partial write: absent fields stay, `null` or `""` clears."""
    for key in fields:
        if key not in data:
            continue
        if data[key] in (None, ""):
            record.pop(key, None)
        else:
            record[key] = data[key]
