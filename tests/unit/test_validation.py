from __future__ import annotations

import pytest

from gateway.model import CustomerFields
from gateway.validation import camel, check_address, check_customer


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"email": "ada@example.com"}, []),
        ({"email": "ada@"}, ["email"]),
        ({"email": None}, []),
        ({"birthday": "1990-02-28"}, []),
        ({"birthday": "--02-28"}, []),
        ({"birthday": "28/02/1990"}, ["birthday"]),
        ({"birthday": "1990-13-01"}, ["birthday"]),
        ({"phone": "+1 (415) 555-0100"}, []),
        ({"phone": "call me"}, ["phone"]),
        ({"password": "short"}, ["password"]),
        ({"email": "x", "phone": "y"}, ["email", "phone"]),
    ],
)
def test_check_customer(fields: CustomerFields, bad: list[str]) -> None:
    errors = check_customer(fields)
    assert [e.field for e in errors] == [("input", camel(name)) for name in bad]


@pytest.mark.parametrize(("country", "ok"), [("US", True), ("us", False), ("USA", False)])
def test_check_address_country(country: str, ok: bool) -> None:
    assert (check_address({"country": country}, ("input", "address")) == []) is ok


@pytest.mark.parametrize(
    ("name", "graphql"),
    [
        ("email", "email"),
        ("postal_code", "postalCode"),
        ("payment_source_token", "paymentSourceToken"),
    ],
)
def test_camel(name: str, graphql: str) -> None:
    assert camel(name) == graphql
