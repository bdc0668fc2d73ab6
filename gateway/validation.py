"""Input checks every provider needs, done before any upstream call.

Formats the contract defines (email, birthday, country, phone) are checked here so
that bad input gets a typed INVALID error with its field path and changes nothing,
whichever provider would have received it. So are string lengths: each provider's
documented maximum (`Capabilities.max_lengths`), else the gateway's own cap, so a
megabyte of `displayName` is refused instead of stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from gateway.errors import FieldPath, UserErrorCode, UserInputError
from gateway.model import AddressFields, CustomerFields

V = TypeVar("V", bound=Mapping[str, Any])

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z0-9-]{2,}$")
BIRTHDAY_RE = re.compile(r"^(?:\d{4}|-)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
PHONE_RE = re.compile(r"^\+?[\d\s().-]{7,}$")


DEFAULT_MAX_LENGTH = 255
"""The gateway's cap on a string field whose provider documents no maximum."""
GATEWAY_MAX_LENGTHS: dict[str, int] = {"email": 254, "note": 1000, "instructions": 1000}
"""Caps other than the default: RFC 5321's longest address; free text."""


def max_length(name: str, documented: Mapping[str, int]) -> int:
    """The longest value accepted for field `name`: the provider's word, else the gateway's."""
    return documented.get(name) or GATEWAY_MAX_LENGTHS.get(name, DEFAULT_MAX_LENGTH)


def check_lengths(
    values: Mapping[str, Any], documented: Mapping[str, int], provider: str, path: FieldPath
) -> list[UserInputError]:
    """INVALID for each string longer than `max_length` allows."""
    errors: list[UserInputError] = []
    for name, value in values.items():
        limit = max_length(name, documented)
        if isinstance(value, str) and len(value) > limit:
            message = (
                f"{provider} stores at most {limit} characters here."
                if name in documented
                else f"At most {limit} characters are accepted here."
            )
            errors.append(_invalid(path, name, message))
    return errors


def check_customer_input(
    fields: CustomerFields, documented: Mapping[str, int], provider: str, path: FieldPath
) -> list[UserInputError]:
    """Lengths first; the formats of the fields that are not too long."""
    long = check_lengths(fields, documented, provider, path)
    return long + check_customer(_without(fields, long), path)


def check_address_input(
    address: AddressFields, documented: Mapping[str, int], provider: str, path: FieldPath
) -> list[UserInputError]:
    long = check_lengths(address, documented, provider, path)
    return long + check_address(_without(address, long), path)


def _without(values: V, errors: list[UserInputError]) -> V:
    """`values` less the fields `errors` already refuse, so each field gets one error."""
    refused = {e.field[-1] for e in errors if e.field}
    return cast(V, {k: v for k, v in values.items() if camel(k) not in refused})


def camel(name: str) -> str:
    """The GraphQL name of a unified field, for error paths."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def check_customer(fields: CustomerFields, path: FieldPath = ("input",)) -> list[UserInputError]:
    errors: list[UserInputError] = []
    email = fields.get("email")
    if email is not None and not EMAIL_RE.match(email):
        errors.append(_invalid(path, "email", "Not a valid email address."))
    birthday = fields.get("birthday")
    if birthday is not None and not BIRTHDAY_RE.match(birthday):
        errors.append(_invalid(path, "birthday", "Use YYYY-MM-DD, or --MM-DD without a year."))
    phone = fields.get("phone")
    if phone is not None and not (
        PHONE_RE.match(phone) and 7 <= len(re.sub(r"\D", "", phone)) <= 16
    ):
        errors.append(_invalid(path, "phone", "Not a valid phone number."))
    metadata = fields.get("metadata")
    if metadata is not None and not isinstance(metadata, Mapping):
        errors.append(_invalid(path, "metadata", "Metadata must be a JSON object."))
    password = fields.get("password")
    if password is not None and len(password) < 8:
        errors.append(_invalid(path, "password", "Use at least 8 characters."))
    return errors


def check_address(address: AddressFields, path: FieldPath) -> list[UserInputError]:
    country = address.get("country")
    if country is not None and not COUNTRY_RE.match(country):
        return [_invalid(path, "country", "Use an ISO 3166-1 alpha-2 code, e.g. US.")]
    return []


def _invalid(path: FieldPath, field: str, message: str) -> UserInputError:
    return UserInputError(UserErrorCode.INVALID, message, (*path, camel(field)))
