"""Input checks every provider needs, done before any upstream call.

Formats the contract defines (email, birthday, country, phone) are checked here so
that bad input gets a typed INVALID error with its field path and changes nothing,
whichever provider would have received it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from gateway.errors import FieldPath, UserErrorCode, UserInputError
from gateway.model import AddressFields, CustomerFields

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z0-9-]{2,}$")
BIRTHDAY_RE = re.compile(r"^(?:\d{4}|-)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
PHONE_RE = re.compile(r"^\+?[\d\s().-]{7,}$")


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
