"""Card tokens, as Clover's tokenizer makes them, and what its test cards do.

`POST /v1/tokens` (docs "Create a card token"): `card.number`, `exp_month` (mm),
`exp_year` (yy or yyyy) and `cvv` are required; `brand`, `first6`, `last4`, `name`,
`country` and the `address_*` fields are optional. Refusals use the codes of
"Ecommerce API: Error codes": `invalid_number` / `incorrect_number`,
`invalid_expiry_month`, `invalid_expiry_year`, `expired_card`, `invalid_cvc`,
`invalid_card_type`, and `invalid_request` for an `encrypted_pan` (the sandbox has no
RSA key to decrypt one with). The token is single-use and starts `clv_1TST`.

Outcomes follow "Test card numbers": 4005 5717 0222 2222 is declined, and so is
4005 5780 0333 3335 ("approve for partial amounts", which the Ecommerce API declines);
every other valid number is approved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sandboxes.clover.errors import EcommerceError

DECLINED = frozenset({"4005571702222222", "4005578003333335"})
BRANDS = ("VISA", "MC", "AMEX", "DISCOVER", "DINERS_CLUB", "JCB")
BRAND_PREFIXES = (
    ("AMEX", re.compile(r"^3[47]")),
    ("DINERS_CLUB", re.compile(r"^3(0[0-5]|[68])")),
    ("JCB", re.compile(r"^35")),
    ("VISA", re.compile(r"^4")),
    ("MC", re.compile(r"^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))")),
    ("DISCOVER", re.compile(r"^(6011|65|64[4-9])")),
)
OPTIONAL_TEXT = {
    "name": 255,
    "address_line1": 255,
    "address_line2": 255,
    "address_city": 255,
    "address_state": 255,
    "address_zip": 20,
    "address_country": 2,
    "country": 2,
}
CARD_FIELDS = frozenset(
    {"number", "encrypted_pan", "exp_month", "exp_year", "cvv", "brand", "first6", "last4"}
    | set(OPTIONAL_TEXT)
)


@dataclass(frozen=True)
class Card:
    """What a token stands for: never the full number, which the sandbox does not keep."""

    brand: str
    first6: str
    last4: str
    exp_month: str
    exp_year: str
    declined: bool = False

    @property
    def expiration(self) -> str:
        """v3's `expirationDate`, MMYY."""
        return f"{self.exp_month}{self.exp_year[-2:]}"

    def token_card(self) -> dict[str, str]:
        return {
            "exp_month": self.exp_month,
            "exp_year": self.exp_year,
            "first6": self.first6,
            "last4": self.last4,
            "brand": self.brand,
        }


def card_error(code: str, message: str, param: str) -> EcommerceError:
    return EcommerceError(400, code, message, error_type="card_error", param=param)


def brand_of(number: str) -> str | None:
    return next((brand for brand, prefix in BRAND_PREFIXES if prefix.match(number)), None)


def luhn(number: str) -> bool:
    total = 0
    for index, digit in enumerate(int(d) for d in reversed(number)):
        doubled = digit * 2 if index % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def tokenize(body: Mapping[str, Any], today: dt.date) -> Card:
    """The card of a `POST /v1/tokens` body, validated field by field."""
    unknown = sorted(set(body) - {"card"})
    if unknown:
        raise EcommerceError(
            400, "parameter_unknown", f"Received unknown parameter: {unknown[0]}", param=unknown[0]
        )
    card = body.get("card")
    if not isinstance(card, dict):
        raise EcommerceError(
            400, "parameter_missing", "Missing required param: card.", param="card"
        )
    extra = sorted(set(card) - CARD_FIELDS)
    if extra:
        raise EcommerceError(
            400, "parameter_unknown", f"Received unknown parameter: card.{extra[0]}", param="card"
        )
    if "encrypted_pan" in card:
        raise card_error(
            "invalid_request",
            "The sandbox tokenizes raw test card numbers only, not encrypted PANs.",
            "card.encrypted_pan",
        )
    number = card.get("number")
    if not isinstance(number, str) or not re.fullmatch(r"\d{12,19}", number):
        raise card_error("invalid_number", "The card number is not a valid PAN.", "card.number")
    brand = brand_of(number)
    if not luhn(number) or brand is None:
        raise card_error("incorrect_number", "The card number is incorrect.", "card.number")
    given = card.get("brand")
    if given is not None and given not in BRANDS:
        raise card_error("invalid_card_type", "The card brand is not recognized.", "card.brand")
    month, year = _expiry(card.get("exp_month"), card.get("exp_year"))
    if (year, month) < (today.year, today.month):
        raise card_error("expired_card", "The card has expired.", "card.exp_year")
    cvv = card.get("cvv")
    if not isinstance(cvv, str) or not re.fullmatch(r"\d{3,4}", cvv):
        raise card_error("invalid_cvc", "The CVV must be three or four digits.", "card.cvv")
    for key, expected in (("first6", number[:6]), ("last4", number[-4:])):
        if card.get(key) is not None and card[key] != expected:
            raise card_error("invalid_number", f"`{key}` does not match the number.", f"card.{key}")
    for key, limit in OPTIONAL_TEXT.items():
        value = card.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise EcommerceError(
                400,
                "parameter_invalid",
                f"`card.{key}` must be text of at most {limit} characters.",
                param=f"card.{key}",
            )
    return Card(
        brand=brand,
        first6=number[:6],
        last4=number[-4:],
        exp_month=f"{month:02d}",
        exp_year=f"{year:04d}",
        declined=number in DECLINED,
    )


def _expiry(month: Any, year: Any) -> tuple[int, int]:
    if (
        not isinstance(month, str)
        or not re.fullmatch(r"\d{1,2}", month)
        or not 1 <= int(month) <= 12
    ):
        raise card_error(
            "invalid_expiry_month", "The expiration month must be 1 to 12.", "card.exp_month"
        )
    if not isinstance(year, str) or not re.fullmatch(r"\d{2}|\d{4}", year):
        raise card_error(
            "invalid_expiry_year", "The expiration year has two or four digits.", "card.exp_year"
        )
    full = int(year) + (2000 if len(year) == 2 else 0)
    return int(month), full


def untracked(token: str) -> Card:
    """A well-formed token the sandbox did not mint (tests invent `clv_1TST...` freely):
    an approved card derived from the token, the same every time."""
    digest = hashlib.sha256(token.encode()).digest()
    brand = ("VISA", "MC", "AMEX", "DISCOVER")[digest[0] % 4]
    first6 = {"VISA": "424242", "MC": "555555", "AMEX": "378282", "DISCOVER": "601111"}[brand]
    last4 = f"{int.from_bytes(digest[1:3], 'big') % 10000:04d}"
    return Card(brand, first6, last4, f"{digest[3] % 12 + 1:02d}", f"{2028 + digest[4] % 5}")
