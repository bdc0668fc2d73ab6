"""One entry per provider: what the shared contract suite needs to drive it.

A provider is done when the whole suite passes for its case. Each provider's case
is `tests/providers/<provider>/case.py`, named by its `ProviderSpec`; its quirks get
their own modules beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ProviderCase:
    provider: str
    """The GraphQL enum value, e.g. SQUARE."""
    slug: str
    """The sandbox path segment and stats key, e.g. square."""
    create_route: str
    """The sandbox route (`METHOD /template`) a create calls, to count creates."""
    new_customer: dict[str, Any]
    """A valid CreateCustomerInput (without provider and idempotencyKey)."""
    address: dict[str, Any]
    """A complete AddressInput this provider stores."""
    clearable: str
    """A writable, nullable field that an explicit null must clear."""
    unsupported_field: tuple[str, Any] | None
    """A CreateCustomerInput field the provider cannot store, with a value."""
    payment_token: str | None
    """A token attachPaymentSource accepts; None when payment sources are unsupported."""
    native_idempotency: bool
    """True: the provider dedupes a retried create or attach itself (both calls reach it)."""
    missing_ids: dict[str, str]
    """Well-formed provider ids no record has, by kind: `customer`, `address`, `source`."""
    page_budget: Callable[[int, int], dict[str, int]]
    """Upstream calls by sandbox route for `tests/graph/test_budget.py`'s page of
    everything (cache off), given this provider's customers on the page and the pages
    of 100 its contact index takes."""
    operations: frozenset[str] = field(default_factory=frozenset)
    text_field: str = "note"
    """A writable free-text field that the update tests change."""
    attach_route: str | None = None
    """The sandbox route an attach writes with; None when payment sources are unsupported."""
    read_route: str | None = None
    """The route reading customers by id takes (the read-back after a write)."""


def _cases() -> list[ProviderCase]:
    """Every registered provider's case, in the order of `gateway.providers.SPECS`."""
    from gateway.contract import load
    from gateway.providers import SPECS

    return [load(spec.contract_case) for spec in SPECS]


# A value of the right shape for every unified writable field, to prove that
# `providers { writableFields }` tells the truth: each one must round-trip.
SAMPLE_VALUES: dict[str, Any] = {
    "email": "sample.roundtrip@example.com",
    "givenName": "Sample",
    "familyName": "Roundtrip",
    "displayName": "Sample Roundtrip",
    "companyName": "Roundtrip Ltd",
    "phone": "+1 206-555-0142",
    "nickname": "Sam",
    "note": "round trip",
    "birthday": "1990-05-17",
    "referenceId": "rt-1",
    "locale": "en_US",
    "customerType": "BUSINESS",
    "enabled": False,
    "metadata": {"tier": "gold"},
}

CASES: list[ProviderCase] = _cases()
