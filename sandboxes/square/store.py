"""The state behind the Square emulator: one seller account, seeded from `sandboxes.seed`."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from gateway.model import ProviderName
from sandboxes.seed import Person
from sandboxes.square.errors import SquareApiError

LOCATION_ID = "LSANDBOX0MAIN"
ORDER_STATES = {"COMPLETED": "COMPLETED", "OPEN": "OPEN", "CANCELED": "CANCELED"}


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
        self.idempotency: dict[str, tuple[str, dict[str, Any]]] = {}
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
                stamp = iso(order.created_at)
                self.orders.append(
                    {
                        "id": self.new_id(24),
                        "location_id": LOCATION_ID,
                        "customer_id": customer["id"],
                        "state": ORDER_STATES[order.state],
                        "total_money": {"amount": order.amount, "currency": order.currency},
                        "created_at": stamp,
                        "updated_at": stamp,
                        "version": 1,
                    }
                )

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
            "merchant_id": "MSANDBOX",
            "enabled": True,
            "card_type": "CREDIT",
            "prepaid_type": "NOT_PREPAID",
            "bin": "411111",
            "version": 1,
            "created_at": now(),
        }
        self.cards[card["id"]] = card
        return card

    def get(self, customer_id: str) -> dict[str, Any]:
        customer = self.customers.get(customer_id)
        if customer is None:
            raise SquareApiError(404, "NOT_FOUND", f"Customer with ID `{customer_id}` not found.")
        return customer
