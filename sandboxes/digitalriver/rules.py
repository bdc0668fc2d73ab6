"""What the Digital River emulator refuses: the API's documented rules.

Kept apart from the routes so that the request rules read as one list: the
documented field types and limits (id of at most 40 characters, metadata of at most
20 keys, `country` required in an address, ...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sandboxes.digitalriver.errors import invalid

CREATE_KEYS = frozenset(
    {"id", "email", "shipping", "defaultSourceId", "taxCertificate", "type", "metadata"}
    | {"locale", "enabled"}
)
UPDATE_KEYS = (CREATE_KEYS - {"id"}) | {"requestToBeForgotten"}
SHIPPING_KEYS = frozenset({"name", "phone", "email", "organization", "address"})
ADDRESS_KEYS = frozenset({"line1", "line2", "city", "postalCode", "state", "country"})
EXTRA_INFO_KEYS = frozenset({"neighborhood", "division", "phoneticName"})
CERTIFICATE_KEYS = ("companyName", "taxAuthority", "startDate", "endDate", "fileId")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOCALE_RE = re.compile(r"^[a-z]{2}_[A-Z]{2}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
ID_RE = re.compile(r"^[^\s/?#%\\]{1,40}$")
MAX_METADATA_KEYS = 20


def parse_time(value: str, parameter: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise invalid(parameter, f"'{value}' is not a date-time.") from exc
    if moment.tzinfo is None:
        raise invalid(parameter, f"'{value}' has no time zone.")
    return moment


def luhn_ok(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def _known(body: Mapping[str, Any], allowed: frozenset[str], prefix: str = "") -> None:
    for key in body:
        if key not in allowed:
            raise invalid(
                f"{prefix}{key}", f"Unknown parameter '{prefix}{key}'.", "unknown_parameter"
            )


def _strings(body: Mapping[str, Any], keys: frozenset[str], prefix: str) -> None:
    for key in keys:
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            raise invalid(f"{prefix}{key}", f"'{prefix}{key}' must be a string.")


def _check_shipping(shipping: Any) -> None:
    if not isinstance(shipping, dict):
        raise invalid("shipping", "'shipping' must be an object.")
    _known(shipping, SHIPPING_KEYS | {"additionalAddressInfo"}, "shipping.")
    _strings(shipping, SHIPPING_KEYS - {"address"}, "shipping.")
    address = shipping.get("address")
    if address is not None:
        if not isinstance(address, dict):
            raise invalid("shipping.address", "'shipping.address' must be an object.")
        _known(address, ADDRESS_KEYS, "shipping.address.")
        _strings(address, ADDRESS_KEYS, "shipping.address.")
        if not address.get("country"):
            raise invalid(
                "shipping.address.country",
                "'shipping.address.country' is required.",
                "missing_parameter",
            )
        if not COUNTRY_RE.match(address["country"]):
            raise invalid("shipping.address.country", "Use an ISO 3166-1 alpha-2 country code.")
    info = shipping.get("additionalAddressInfo")
    if info is not None:
        if not isinstance(info, dict):
            raise invalid("shipping.additionalAddressInfo", "Must be an object.")
        _known(info, EXTRA_INFO_KEYS, "shipping.additionalAddressInfo.")
        _strings(info, EXTRA_INFO_KEYS, "shipping.additionalAddressInfo.")


def _check_metadata(metadata: Any) -> None:
    if not isinstance(metadata, dict):
        raise invalid("metadata", "'metadata' must be an object.")
    if len(metadata) > MAX_METADATA_KEYS:
        raise invalid(
            "metadata",
            f"At most {MAX_METADATA_KEYS} metadata pairs are allowed.",
            "too_many_metadata_pairs",
        )
    for key, value in metadata.items():
        if not key or len(key) > 40:
            raise invalid("metadata", f"Invalid metadata key '{key[:40]}'.", "invalid_metadata_key")
        if not isinstance(value, str | bool | int) or (isinstance(value, str) and len(value) > 500):
            raise invalid(
                "metadata", f"Invalid value for metadata key '{key}'.", "invalid_metadata_value"
            )


def _check_fields(body: Mapping[str, Any]) -> None:
    """The rules every create and update shares; `null` is checked by the caller."""
    email = body.get("email")
    if email is not None and (not isinstance(email, str) or not EMAIL_RE.match(email)):
        raise invalid("email", "The email address is invalid.", "email_invalid")
    if body.get("shipping") is not None:
        _check_shipping(body["shipping"])
    kind = body.get("type")
    if kind is not None and kind not in {"individual", "business"}:
        raise invalid("type", "'type' must be individual or business.")
    if body.get("metadata") is not None:
        _check_metadata(body["metadata"])
    locale = body.get("locale")
    if locale is not None and (not isinstance(locale, str) or not LOCALE_RE.match(locale)):
        raise invalid("locale", "'locale' must look like en_US.")
    enabled = body.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise invalid("enabled", "'enabled' must be a boolean.")
    source = body.get("defaultSourceId")
    if source is not None and not isinstance(source, str):
        raise invalid("defaultSourceId", "'defaultSourceId' must be a string.")
    certificate = body.get("taxCertificate")
    if certificate is not None:
        if not isinstance(certificate, dict):
            raise invalid("taxCertificate", "'taxCertificate' must be an object.")
        _known(certificate, frozenset(CERTIFICATE_KEYS), "taxCertificate.")
        for key in CERTIFICATE_KEYS:
            if not isinstance(certificate.get(key), str) or not certificate[key]:
                raise invalid(
                    f"taxCertificate.{key}",
                    f"'taxCertificate.{key}' is required.",
                    "missing_parameter",
                )


def check_create(body: Mapping[str, Any]) -> None:
    _known(body, CREATE_KEYS)
    customer_id = body.get("id")
    if customer_id is not None and (
        not isinstance(customer_id, str) or not ID_RE.match(customer_id)
    ):
        raise invalid("id", "'id' must be 1 to 40 characters without spaces or slashes.")
    _check_fields(body)


def check_update(body: Mapping[str, Any], customer: Mapping[str, Any]) -> None:
    _known(body, UPDATE_KEYS)
    _check_fields(body)
    if "requestToBeForgotten" in body:
        wanted = body["requestToBeForgotten"]
        if wanted is not None and not isinstance(wanted, bool):
            raise invalid("requestToBeForgotten", "'requestToBeForgotten' must be a boolean.")
        if customer.get("requestToBeForgotten"):
            raise invalid(
                "requestToBeForgotten",
                "The request to be forgotten is already recorded and cannot be changed.",
            )
