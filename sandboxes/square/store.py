"""The state behind the Square emulator: one seller account, seeded from `sandboxes.seed`."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.model import ProviderName
from sandboxes.seed import Person
from sandboxes.square.errors import SquareApiError

LOCATION_ID = "LSANDBOX0MAIN"
MERCHANT_ID = "MSANDBOX"
ORDER_STATES = {"COMPLETED": "COMPLETED", "OPEN": "OPEN", "CANCELED": "CANCELED"}
CLOSED_STATES = {"COMPLETED", "CANCELED"}
TIME_TO_CLOSE = timedelta(minutes=20)
LOCATION: dict[str, Any] = {
    "id": LOCATION_ID,
    "name": "Sandbox main street",
    "address": {
        "address_line_1": "1 Market St",
        "locality": "San Francisco",
        "administrative_district_level_1": "CA",
        "postal_code": "94105",
        "country": "US",
    },
    "timezone": "America/Los_Angeles",
    "capabilities": ["CREDIT_CARD_PROCESSING"],
    "status": "ACTIVE",
    "created_at": "2020-01-01T00:00:00.000Z",
    "merchant_id": MERCHANT_ID,
    "country": "US",
    "language_code": "en-US",
    "currency": "USD",
    "business_name": "Sandbox main street",
    "type": "PHYSICAL",
    "mcc": "5999",
}


def now() -> str:
    return iso(datetime.now(UTC))


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SquareStore:
    """In-memory state of one Square seller account."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.customers: dict[str, dict[str, Any]] = {}
        self.cards: dict[str, dict[str, Any]] = {}
        self.orders: list[dict[str, Any]] = []
        self.locations: dict[str, dict[str, Any]] = {LOCATION_ID: LOCATION}
        self.idempotency: dict[str, tuple[str, dict[str, Any]]] = {}
        """A key's scope-qualified name -> (the request it was used for, the first answer)."""
        self.used_nonces: set[str] = set()

    def new_id(self, length: int = 26) -> str:
        alphabet = "ABCDEFGHJKMNPQRSTVWXYZ0123456789"
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def load(self, people: Sequence[Person]) -> None:
        for person in people:
            provider = ProviderName.SQUARE
            created = iso(person.created_in(provider))
            address = person.addresses[0]
            customer: dict[str, Any] = {
                "id": self.new_id(),
                "created_at": created,
                "updated_at": created,
                "given_name": person.given_name,
                "family_name": person.family_name,
                "email_address": person.email_in(provider),
                "phone_number": person.phone_in(provider),
                "address": {
                    k: v
                    for k, v in {
                        "address_line_1": address.line1,
                        "address_line_2": address.line2,
                        "locality": address.city,
                        "administrative_district_level_1": address.region,
                        "postal_code": address.postal_code,
                        "country": address.country,
                    }.items()
                    if v is not None
                },
                "reference_id": person.key,
                "preferences": {"email_unsubscribed": False},
                "creation_source": "THIRD_PARTY",
                "version": 0,
            }
            if person.company_name:
                customer["company_name"] = person.company_name
            if person.birthday:
                customer["birthday"] = person.birthday
            self.customers[customer["id"]] = customer
            for card in person.cards:
                self.add_card(customer["id"], card.brand, card.last4, card.exp_month, card.exp_year)
            for order in person.orders:
                self.orders.append(
                    self._order(
                        customer["id"], order.state, order.amount, order.currency, order.created_at
                    )
                )

    def _order(
        self, customer_id: str, state: str, amount: int, currency: str, created: datetime
    ) -> dict[str, Any]:
        """A closed order also has `closed_at`, and its last update is its closing."""
        native_state = ORDER_STATES[state]
        order: dict[str, Any] = {
            "id": self.new_id(24),
            "location_id": LOCATION_ID,
            "customer_id": customer_id,
            "state": native_state,
            "total_money": {"amount": amount, "currency": currency},
            "created_at": iso(created),
            "updated_at": iso(created),
            "version": 1,
        }
        if native_state in CLOSED_STATES:
            order["closed_at"] = order["updated_at"] = iso(created + TIME_TO_CLOSE)
            order["version"] = 2
        return order

    def add_card(
        self, customer_id: str, brand: str, last4: str, exp_month: int, exp_year: int
    ) -> dict[str, Any]:
        card: dict[str, Any] = {
            "id": f"ccof:{self.new_id(16)}",
            "card_brand": brand,
            "last_4": last4,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "customer_id": customer_id,
            "merchant_id": MERCHANT_ID,
            "enabled": True,
            "card_type": "CREDIT",
            "prepaid_type": "NOT_PREPAID",
            "bin": "411111",
            "version": 1,
        }
        self.cards[card["id"]] = card
        return card

    def remembered(self, scope: str, key: str, request_print: str) -> dict[str, Any] | None:
        """The first answer to `key`, or None if unused; a key reused for another request
        is `IDEMPOTENCY_KEY_REUSED`, as Square documents."""
        seen = self.idempotency.get(f"{scope}:{key}")
        if seen is None:
            return None
        if seen[0] != request_print:
            raise SquareApiError(
                400,
                "IDEMPOTENCY_KEY_REUSED",
                "The idempotency key was already used for a different request.",
                "idempotency_key",
            )
        return seen[1]

    def remember(self, scope: str, key: str, request_print: str, answer: dict[str, Any]) -> None:
        self.idempotency[f"{scope}:{key}"] = (request_print, answer)

    def get(self, customer_id: str) -> dict[str, Any]:
        customer = self.customers.get(customer_id)
        if customer is None:
            raise SquareApiError(404, "NOT_FOUND", f"Customer with ID `{customer_id}` not found.")
        return customer
