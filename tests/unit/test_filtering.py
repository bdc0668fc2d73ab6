from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.filtering import matches, phone_matches
from gateway.model import Customer, CustomerQuery, ProviderName

ADA = Customer(
    provider=ProviderName.SQUARE,
    provider_id="1",
    version="0",
    native={},
    email="Ada@Example.com",
    given_name="Ada",
    family_name="Lovelace",
    phone="+1-415-555-0125",
    reference_id="r1",
    created_at=datetime(2024, 6, 1, tzinfo=UTC),
)


@pytest.mark.parametrize(
    ("stored", "wanted", "ok"),
    [
        ("+1 555-0125", "15550125", True),
        ("+1-415-555-0125", "(415) 555-0125", True),
        ("+1-415-555-0125", "555-0125", True),
        ("+1-415-555-0125", "0125", False),
        (None, "5550125", False),
        ("+1-415-555-0125", "+1-415-555-0126", False),
    ],
)
def test_phone_matches_on_digits(stored: str | None, wanted: str, ok: bool) -> None:
    assert phone_matches(stored, wanted) is ok


@pytest.mark.parametrize(
    ("query", "ok"),
    [
        (CustomerQuery(), True),
        (CustomerQuery(email=" ada@example.COM "), True),
        (CustomerQuery(email="ada@example.org"), False),
        (CustomerQuery(name="love"), True),
        (CustomerQuery(name="grace"), False),
        (CustomerQuery(reference_id="r1"), True),
        (CustomerQuery(reference_id="R1"), False),
        (CustomerQuery(created_after=datetime(2024, 1, 1, tzinfo=UTC)), True),
        (CustomerQuery(created_before=datetime(2024, 1, 1, tzinfo=UTC)), False),
        (CustomerQuery(email="ada@example.com", name="grace"), False),
    ],
)
def test_matches_every_filter(query: CustomerQuery, ok: bool) -> None:
    assert matches(ADA, query) is ok
