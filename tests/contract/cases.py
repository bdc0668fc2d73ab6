"""One entry per provider: what the shared contract suite needs to drive it.

A provider is done when the whole suite passes for its case. Add a case here when
a provider lands; its quirks get their own module under tests/providers/.
"""

from __future__ import annotations

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
    """True: the provider dedupes a retried create itself (both calls reach it)."""
    operations: frozenset[str] = field(default_factory=frozenset)
    text_field: str = "note"
    """A writable free-text field that the update tests change."""


SQUARE = ProviderCase(
    provider="SQUARE",
    slug="square",
    create_route="POST /v2/customers",
    new_customer={
        "givenName": "Ada",
        "familyName": "Lovelace",
        "email": "ada.contract@example.com",
        "phone": "+1 415-555-0100",
        "nickname": "Countess",
        "note": "Prefers email",
        "referenceId": "contract-1",
        "birthday": "1815-12-10",
    },
    address={
        "line1": "1 Main St",
        "line2": "Floor 2",
        "city": "Springfield",
        "region": "IL",
        "postalCode": "62701",
        "country": "US",
    },
    clearable="nickname",
    unsupported_field=("locale", "en_GB"),
    payment_token="cnon:card-nonce-ok",
    native_idempotency=True,
    operations=frozenset(
        {
            "createCustomer",
            "updateCustomer",
            "deleteCustomer",
            "addCustomerAddress",
            "updateCustomerAddress",
            "removeCustomerAddress",
            "attachPaymentSource",
            "detachPaymentSource",
            "forgetCustomer",
        }
    ),
)

DIGITAL_RIVER = ProviderCase(
    provider="DIGITAL_RIVER",
    slug="digitalriver",
    create_route="POST /customers",
    new_customer={
        "email": "ada.contract@example.com",
        "displayName": "Ada Lovelace",
        "companyName": "Analytical Engines",
        "phone": "+1 415-555-0100",
        "locale": "en_GB",
        "customerType": "BUSINESS",
        "enabled": True,
        "metadata": {"segment": "contract"},
    },
    address={
        "line1": "1 Main St",
        "line2": "Floor 2",
        "city": "Springfield",
        "region": "IL",
        "postalCode": "62701",
        "country": "US",
    },
    clearable="companyName",
    unsupported_field=("nickname", "Countess"),
    payment_token="5a1d7c4e-3b8f-4e2a-9c61-0d2f8e7b1a01",
    native_idempotency=False,
    operations=frozenset(
        {
            "createCustomer",
            "updateCustomer",
            "deleteCustomer",
            "addCustomerAddress",
            "updateCustomerAddress",
            "removeCustomerAddress",
            "attachPaymentSource",
            "detachPaymentSource",
            "setDefaultPaymentSource",
            "forgetCustomer",
        }
    ),
    text_field="displayName",
)

ELASTIC_PATH = ProviderCase(
    provider="ELASTIC_PATH",
    slug="elasticpath",
    create_route="POST /v2/customers",
    new_customer={
        "displayName": "Ada Lovelace",
        "email": "ada.contract@example.com",
        "referenceId": "contract-1",
    },
    address={
        "label": "Home",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "companyName": "Analytical Engines",
        "phone": "+44 20 7946 0100",
        "line1": "1 Main St",
        "line2": "Floor 2",
        "city": "Springfield",
        "region": "IL",
        "postalCode": "62701",
        "country": "US",
        "instructions": "Leave with the porter",
    },
    clearable="referenceId",
    unsupported_field=("givenName", "Ada"),
    payment_token=None,
    native_idempotency=False,
    operations=frozenset(
        {
            "createCustomer",
            "updateCustomer",
            "deleteCustomer",
            "addCustomerAddress",
            "updateCustomerAddress",
            "removeCustomerAddress",
            "forgetCustomer",
        }
    ),
    text_field="displayName",
)

CLOVER = ProviderCase(
    provider="CLOVER",
    slug="clover",
    create_route="POST /v3/merchants/{mId}/customers",
    new_customer={
        "givenName": "Ada",
        "familyName": "Lovelace",
        "email": "ada.contract@example.com",
        "phone": "+1 415-555-0100",
        "companyName": "Analytical Engines",
        "note": "Prefers email",
        "birthday": "1815-12-10",
    },
    address={
        "line1": "1 Main St",
        "line2": "Floor 2",
        "city": "Springfield",
        "region": "IL",
        "postalCode": "62701",
        "country": "US",
    },
    clearable="note",
    unsupported_field=("nickname", "Countess"),
    payment_token="clv_1TSTcontract0001",
    native_idempotency=False,
    operations=frozenset(
        {
            "createCustomer",
            "updateCustomer",
            "deleteCustomer",
            "addCustomerAddress",
            "updateCustomerAddress",
            "removeCustomerAddress",
            "attachPaymentSource",
            "detachPaymentSource",
            "forgetCustomer",
        }
    ),
)

CASES: list[ProviderCase] = [SQUARE, ELASTIC_PATH, DIGITAL_RIVER, CLOVER]

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
