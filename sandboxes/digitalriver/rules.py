"""What the Digital River emulator refuses: the API's documented rules.

Kept apart from the routes so that the request rules read as one list: the
documented field types and limits (id of at most 40 characters, metadata of at most
20 keys, `country` required in an address, date-times that exist, ...). `null` is
refused where the OpenAPI document does not mark a field nullable, except at the top
of a customer update, where it clears the field (the rulings). `POST /sources` takes
a secondary `customerCredit` source with the secret key (the document's
`CreditSource`), or a card as DigitalRiver.js sends it with the public key.
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
OWNER_KEYS = frozenset({"firstName", "lastName", "email", "organization", "upstreamId"})
CERTIFICATE_KEYS = ("companyName", "taxAuthority", "startDate", "endDate", "fileId")
CERTIFICATE_DATES = frozenset({"startDate", "endDate"})
CREDIT_SOURCE_KEYS = frozenset({"type", "paymentSessionId", "amount", "upstreamId"})
CREDIT_SOURCE_KEYS |= {"customerCredit", "owner"}
CARD_SOURCE_KEYS = frozenset({"type", "creditCard", "owner", "reusable"})
CARD_KEYS = frozenset({"number", "expirationMonth", "expirationYear", "cvv"})
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


def _strings(
    body: Mapping[str, Any], keys: frozenset[str], prefix: str, *, nullable: bool = True
) -> None:
    for key in keys:
        value = body.get(key)
        if key in body and not isinstance(value, str) and (value is not None or not nullable):
            raise invalid(f"{prefix}{key}", f"'{prefix}{key}' must be a string.")


def _email(value: Any, parameter: str) -> None:
    if value is not None and (not isinstance(value, str) or not EMAIL_RE.match(value)):
        raise invalid(parameter, "The email address is invalid.", "email_invalid")


def _check_address(address: Any, prefix: str) -> None:
    """`line2` and `country` are the two address fields the document does not let be null."""
    if not isinstance(address, dict):
        raise invalid(prefix.rstrip("."), f"'{prefix.rstrip('.')}' must be an object.")
    _known(address, ADDRESS_KEYS, prefix)
    _strings(address, ADDRESS_KEYS - {"line2", "country"}, prefix)
    _strings(address, frozenset({"line2", "country"}), prefix, nullable=False)
    if not address.get("country"):
        raise invalid(f"{prefix}country", f"'{prefix}country' is required.", "missing_parameter")
    if not COUNTRY_RE.match(address["country"]):
        raise invalid(f"{prefix}country", "Use an ISO 3166-1 alpha-2 country code.")


def _check_extra_info(info: Any, prefix: str) -> None:
    if not isinstance(info, dict):
        raise invalid(prefix.rstrip("."), "Must be an object.")
    _known(info, EXTRA_INFO_KEYS, prefix)
    _strings(info, EXTRA_INFO_KEYS, prefix)


def _check_shipping(shipping: Any) -> None:
    if not isinstance(shipping, dict):
        raise invalid("shipping", "'shipping' must be an object.")
    _known(shipping, SHIPPING_KEYS | {"additionalAddressInfo"}, "shipping.")
    _strings(shipping, SHIPPING_KEYS - {"address", "email"}, "shipping.")
    _email(shipping.get("email"), "shipping.email")
    if "address" in shipping:
        _check_address(shipping["address"], "shipping.address.")
    if "additionalAddressInfo" in shipping:
        _check_extra_info(shipping["additionalAddressInfo"], "shipping.additionalAddressInfo.")


def check_owner(owner: Any) -> None:
    """A source's billing details: the document's `Owner`, whose `address` is required."""
    if not isinstance(owner, dict):
        raise invalid("owner", "'owner' must be an object.")
    _known(owner, OWNER_KEYS | {"address", "additionalAddressInfo"}, "owner.")
    _strings(owner, OWNER_KEYS - {"organization"}, "owner.", nullable=False)
    _strings(owner, frozenset({"organization"}), "owner.")
    if "address" not in owner:
        raise invalid("owner.address", "'owner.address' is required.", "missing_parameter")
    _check_address(owner["address"], "owner.address.")
    if "additionalAddressInfo" in owner:
        _check_extra_info(owner["additionalAddressInfo"], "owner.additionalAddressInfo.")


def _check_certificate(certificate: Any) -> None:
    if not isinstance(certificate, dict):
        raise invalid("taxCertificate", "'taxCertificate' must be an object.")
    _known(certificate, frozenset(CERTIFICATE_KEYS), "taxCertificate.")
    for key in CERTIFICATE_KEYS:
        parameter = f"taxCertificate.{key}"
        if not isinstance(certificate.get(key), str) or not certificate[key]:
            raise invalid(parameter, f"'{parameter}' is required.", "missing_parameter")
        if key in CERTIFICATE_DATES:
            parse_time(certificate[key], parameter)


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
    _email(body.get("email"), "email")
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
    if body.get("taxCertificate") is not None:
        _check_certificate(body["taxCertificate"])


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


def check_credit_source(body: Mapping[str, Any]) -> None:
    """The secret key's `POST /sources`: a `customerCredit` source (`CreditSource`)."""
    if body.get("type") != "customerCredit":
        raise invalid(
            "type",
            "With a secret key this creates customerCredit sources; cards are created "
            "by DigitalRiver.js with the public key.",
            "missing_parameter" if "type" not in body else "invalid_parameter",
        )
    _known(body, CREDIT_SOURCE_KEYS)
    _strings(body, frozenset({"paymentSessionId", "upstreamId"}), "", nullable=False)
    amount = body.get("amount")
    if "amount" in body and (
        isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0
    ):
        raise invalid("amount", "'amount' must be a positive number.")
    if "customerCredit" in body and not isinstance(body["customerCredit"], dict):
        raise invalid("customerCredit", "'customerCredit' must be an object.")
    if "owner" in body:
        check_owner(body["owner"])


def check_card_source(body: Mapping[str, Any]) -> tuple[str, int, int]:
    """The public key's `POST /sources`, as DigitalRiver.js sends a card: its number and
    expiry, the number Luhn-valid and the expiry a real month."""
    if body.get("type") != "creditCard":
        raise invalid("type", "With the public key this sandbox creates creditCard sources.")
    _known(body, CARD_SOURCE_KEYS)
    card = body.get("creditCard")
    if not isinstance(card, dict):
        raise invalid("creditCard", "'creditCard' is required.", "missing_parameter")
    _known(card, CARD_KEYS, "creditCard.")
    number = card.get("number")
    if not (
        isinstance(number, str)
        and number.isascii()
        and number.isdigit()
        and 13 <= len(number) <= 19
        and luhn_ok(number)
    ):
        raise invalid("creditCard.number", "Invalid card number.")
    month, year = card.get("expirationMonth"), card.get("expirationYear")
    if not (
        isinstance(month, int)
        and not isinstance(month, bool)
        and 1 <= month <= 12
        and isinstance(year, int)
        and not isinstance(year, bool)
        and 1000 <= year <= 9999
    ):
        raise invalid("creditCard", "Invalid expiration.")
    if "reusable" in body and not isinstance(body["reusable"], bool):
        raise invalid("reusable", "'reusable' must be a boolean.")
    if "owner" in body:
        check_owner(body["owner"])
    return number, month, year
