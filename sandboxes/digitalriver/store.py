"""The state behind the Digital River emulator: one account in test mode.

Customers, their attached sources, tax identifiers and orders, seeded from
`sandboxes.seed`. Besides the sources a client creates, the sources in
`TEST_SOURCE_IDS` exist unattached and chargeable in every fresh store, like a
provider's test values. Seeded records are valid under the OpenAPI document (a
source's `owner` has its required `address`: the customer's) and carry the fields the
list filters read; their times come from the seed, never from the clock.
"""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from gateway.model import ProviderName
from sandboxes.digitalriver.errors import ApiError
from sandboxes.digitalriver.rules import parse_time
from sandboxes.seed import EPOCH, Person, SeedOrder

TEST_SOURCE_IDS = (
    "5a1d7c4e-3b8f-4e2a-9c61-0d2f8e7b1a01",
    "5a1d7c4e-3b8f-4e2a-9c61-0d2f8e7b1a02",
    "5a1d7c4e-3b8f-4e2a-9c61-0d2f8e7b1a03",
    "5a1d7c4e-3b8f-4e2a-9c61-0d2f8e7b1a04",
)
_TEST_CARDS = (
    ("Visa", "1111"),
    ("MasterCard", "4444"),
    ("American Express", "0005"),
    ("Discover", "1117"),
)
_BRANDS = {
    "VISA": "Visa",
    "MASTERCARD": "MasterCard",
    "AMERICAN_EXPRESS": "American Express",
    "DISCOVER": "Discover",
}
_ORDER_STATES = {"COMPLETED": "complete", "OPEN": "accepted", "CANCELED": "cancelled"}
_CHECKOUTS = uuid.UUID("0b5e7d1c-6f0a-4d3e-9a7b-5c2d8e1f4a60")
"""Namespace of the seeded orders' checkout ids, derived from the order's seed key."""
_CUSTOMER_ORDER = (
    "id",
    "createdTime",
    "updatedTime",
    "email",
    "shipping",
    "defaultSourceId",
    "sources",
    "taxIdentifiers",
    "taxCertificates",
    "requestToBeForgotten",
    "type",
    "metadata",
    "locale",
    "enabled",
    "liveMode",
)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now() -> str:
    return iso(datetime.now(UTC))


def credit_card(brand: str, last4: str, month: int, year: int) -> dict[str, Any]:
    return {
        "brand": brand,
        "expirationMonth": month,
        "expirationYear": year,
        "lastFourDigits": last4,
    }


class DigitalRiverStore:
    """In-memory state of one Digital River account (test mode)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.customers: dict[str, dict[str, Any]] = {}
        self.attached: dict[str, list[str]] = {}
        self.sources: dict[str, dict[str, Any]] = {}
        self.tax_identifiers: dict[str, dict[str, Any]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self._sequence: dict[str, int] = {}
        for source_id, (brand, last4) in zip(TEST_SOURCE_IDS, _TEST_CARDS, strict=True):
            self.add_source(source_id, credit_card(brand, last4, 12, 2030), created=iso(EPOCH))

    def numeric_id(self) -> str:
        return str(self.rng.randint(10**11, 10**12 - 1))

    def unused_customer_id(self) -> str:
        while (candidate := self.numeric_id()) in self.customers:
            continue
        return candidate

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def sequence(self, object_id: str) -> int:
        """Insertion order, to order records created in the same millisecond."""
        return self._sequence.setdefault(object_id, len(self._sequence))

    def load(self, people: Sequence[Person]) -> None:
        provider = ProviderName.DIGITAL_RIVER
        for person in people:
            created = iso(person.created_in(provider))
            home = person.addresses[0]
            address = {
                "line1": home.line1,
                "line2": home.line2,
                "city": home.city,
                "postalCode": home.postal_code,
                "state": home.region,
                "country": home.country,
            }
            shipping: dict[str, Any] = {
                "name": f"{person.given_name} {person.family_name}",
                "phone": person.phone_in(provider),
                "organization": person.company_name,
                "address": {k: v for k, v in address.items() if v is not None},
            }
            customer: dict[str, Any] = {
                "id": self.numeric_id(),
                "createdTime": created,
                "email": person.email_in(provider),
                "shipping": {k: v for k, v in shipping.items() if v is not None},
                "requestToBeForgotten": False,
                "type": "business" if person.company_name else "individual",
                "locale": "en_US" if person.phone_country == "US" else "en_GB",
                "enabled": int(person.key[1:]) % 17 != 0,
            }
            self.insert(customer)
            owner: dict[str, Any] = {
                "firstName": person.given_name,
                "lastName": person.family_name,
                "email": customer["email"],
                "address": dict(customer["shipping"]["address"]),
            }
            if person.company_name:
                owner["organization"] = person.company_name
            for card in person.cards:
                source = self.add_source(
                    self.new_uuid(),
                    credit_card(
                        _BRANDS.get(card.brand, card.brand),
                        card.last4,
                        card.exp_month,
                        card.exp_year,
                    ),
                    owner=owner,
                    created=created,
                )
                self.attach(customer["id"], source["id"])
            for order in person.orders:
                self._seed_order(customer, order)

    def _seed_order(self, customer: Mapping[str, Any], order: SeedOrder) -> None:
        """The order as its checkout left it, with what the list filters read."""
        stamp = iso(order.created_at)
        state = _ORDER_STATES.get(order.state, "accepted")
        total = order.amount / 100
        order_id = self.numeric_id()
        self.orders[order_id] = {
            "id": order_id,
            "checkoutId": str(uuid.uuid5(_CHECKOUTS, order.key)),
            "createdTime": stamp,
            "updatedTime": stamp,
            "customerId": customer["id"],
            "currency": order.currency,
            "email": customer["email"],
            "locale": customer["locale"],
            "shipTo": copy.deepcopy(customer["shipping"]),
            "subtotal": total,
            "totalTax": 0.0,
            "totalShipping": 0.0,
            "totalAmount": total,
            "refundedAmount": 0.0,
            "requestToBeForgotten": False,
            "state": state,
            "stateTransitions": {"accepted": stamp, state: stamp},
            "fraudState": "passed",
            "fraudStateTransitions": {"passed": stamp},
            "liveMode": False,
            "customerType": customer["type"],
            "chargeType": "customer_initiated",
            "upstreamId": order.key,
        }
        self.sequence(order_id)

    def insert(self, customer: dict[str, Any]) -> None:
        self.customers[customer["id"]] = customer
        self.attached[customer["id"]] = []
        self.sequence(customer["id"])

    def add_source(
        self,
        source_id: str,
        card: dict[str, Any],
        *,
        owner: dict[str, Any] | None = None,
        reusable: bool = True,
        created: str | None = None,
    ) -> dict[str, Any]:
        """A chargeable source, as DigitalRiver.js would have created it in the browser."""
        source: dict[str, Any] = {
            "id": source_id,
            "createdTime": created or now(),
            "type": "creditCard",
            "reusable": reusable,
            "state": "chargeable",
            "flow": "standard",
            "clientSecret": f"{source_id}_{self.new_uuid()}",
            "creditCard": card,
            "liveMode": False,
        }
        if owner is not None:
            source["owner"] = owner
        self.sources[source_id] = source
        return source

    def add_credit_source(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A secondary `customerCredit` source: chargeable, never reusable (never saved)."""
        source_id = self.new_uuid()
        source: dict[str, Any] = {
            "id": source_id,
            "createdTime": now(),
            "type": "customerCredit",
            "reusable": False,
            "state": "chargeable",
            "flow": "standard",
            "clientSecret": f"{source_id}_{self.new_uuid()}",
            "customerCredit": body.get("customerCredit", {}),
            "liveMode": False,
        }
        for key in ("amount", "paymentSessionId", "owner", "upstreamId"):
            if key in body:
                source[key] = body[key]
        self.sources[source_id] = source
        return source

    def customer(self, customer_id: str) -> dict[str, Any]:
        return one(self.customers, customer_id, "Customer")

    def attach(self, customer_id: str, source_id: str) -> dict[str, Any]:
        customer = self.customer(customer_id)
        source = one(self.sources, source_id, "Source", "sourceId")
        if source.get("customerId") == customer_id and source["state"] == "chargeable":
            return source
        if source["state"] != "chargeable":
            raise ApiError(
                409, "source_not_chargeable", "The source is not chargeable.", "sourceId"
            )
        if source.get("customerId"):
            raise ApiError(
                409, "source_in_use", "The source is attached to a different customer.", "sourceId"
            )
        if not source["reusable"]:
            raise ApiError(
                409, "nonreusable_source", "Only a reusable source may be attached to a customer."
            )
        source["customerId"] = customer_id
        self.attached[customer_id].append(source_id)
        customer.setdefault("defaultSourceId", source_id)
        return source

    def detach(self, customer_id: str, source_id: str) -> None:
        customer = self.customer(customer_id)
        if source_id not in self.attached[customer_id]:
            raise ApiError(404, "not_found", f"Source '{source_id}' is not attached.", "sourceId")
        self.attached[customer_id].remove(source_id)
        self.sources[source_id]["state"] = "cancelled"
        if customer.get("defaultSourceId") == source_id:
            del customer["defaultSourceId"]

    def render(self, customer: dict[str, Any]) -> dict[str, Any]:
        """The Customer object as the API answers it: empty collections are absent."""
        view = dict(customer)
        attached = self.attached.get(customer["id"], [])
        if attached:
            view["sources"] = [self.sources[s] for s in attached]
        taxes = [t for t in self.tax_identifiers.values() if t.get("customerId") == customer["id"]]
        if taxes:
            view["taxIdentifiers"] = taxes
        view["liveMode"] = False
        return {key: view[key] for key in _CUSTOMER_ORDER if key in view}

    def delete(self, customer_id: str) -> None:
        self.customer(customer_id)
        for source_id in self.attached.pop(customer_id):
            self.sources[source_id]["state"] = "cancelled"
        del self.customers[customer_id]

    def newest_first(self, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(
            items,
            key=lambda item: (
                parse_time(item["createdTime"], "createdTime"),
                self.sequence(item["id"]),
            ),
            reverse=True,
        )


def one(
    records: Mapping[str, dict[str, Any]], object_id: str, kind: str, parameter: str = "id"
) -> dict[str, Any]:
    """The record with that id, or Digital River's 404 naming the parameter."""
    found = records.get(object_id)
    if found is None:
        raise ApiError(404, "not_found", f"{kind} '{object_id}' not found.", parameter)
    return found
