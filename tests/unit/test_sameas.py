from __future__ import annotations

import pytest

from gateway.sameas import normalize_email, normalize_phone


@pytest.mark.parametrize(
    ("phone", "e164"),
    [
        ("+1-415-555-0100", "+14155550100"),
        ("(415) 555-0100", "+14155550100"),
        ("415.555.0100", "+14155550100"),
        ("+44 20 7946 0123", "+442079460123"),
        ("+44-20-7946-0123", "+442079460123"),
        ("12", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_phone_to_e164(phone: str | None, e164: str | None) -> None:
    assert normalize_phone(phone, "US") == e164


@pytest.mark.parametrize(
    ("email", "normal"),
    [(" Ada@Example.COM ", "ada@example.com"), ("", None), (None, None)],
)
def test_normalize_email(email: str | None, normal: str | None) -> None:
    assert normalize_email(email) == normal
