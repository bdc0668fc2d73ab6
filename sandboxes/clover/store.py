"""The state behind the Clover sandbox: one merchant, seen through both APIs.

Records are kept in Platform v3 shape (nested lists unwrapped) in creation order,
which is the order v3 lists them in. Rendering wraps nested lists as
`{"elements": [...]}` and includes them only when expanded; absent fields are
omitted. Ecommerce views (customers, orders, charges) are rendered from the same
records, as both APIs share customer ids.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from gateway.model import ProviderName
from sandboxes.clover.cards import Card, untracked
from sandboxes.clover.errors import EcommerceError, PlatformError, customer_not_found
from sandboxes.seed import Person

EXPANDABLE = frozenset({"addresses", "emailAddresses", "phoneNumbers", "cards", "metadata"})
NESTED_LISTS = ("addresses", "emailAddresses", "phoneNumbers", "cards")
FILTER_FIELDS = (
    "id",
    "firstName",
    "lastName",
    "fullName",
    "customerSince",
    "marketingAllowed",
    "deletedTime",
    "phoneNumber",
    "emailAddress",
)
NUMERIC_FILTERS = frozenset({"customerSince", "deletedTime"})
FILTER_RE = re.compile(r"^(\w+)(>=|<=|!=|=|>|<)(.*)$", re.DOTALL)
TOKEN_RE = re.compile(r"^clv_[A-Za-z0-9]{8,}$")
ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SEED_CARD_TYPES = {
    "VISA": "VISA",
    "MASTERCARD": "MC",
    "AMERICAN_EXPRESS": "AMEX",
    "DISCOVER": "DISCOVER",
}
FIRST6 = {"VISA": "424242", "MC": "555555", "AMEX": "378282", "DISCOVER": "601111"}
TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
ORDER_STATUSES = {"COMPLETED": "paid", "OPEN": "created", "CANCELED": "canceled"}


def now_ms() -> int:
    return int(time.time() * 1000)


class CloverStore:
    """One sandbox merchant's customers, cards, orders and charges."""

    def __init__(self, seed: int, merchant_id: str) -> None:
        self.rng = random.Random(seed)
        self.merchant_id = merchant_id
        self.customers: dict[str, dict[str, Any]] = {}
        self.orders: list[dict[str, Any]] = []
        self.charges: list[dict[str, Any]] = []
        self.used_tokens: set[str] = set()
        self.minted: dict[str, Card] = {}
        self.declined_cards: set[str] = set()
        """Saved cards made from a declining test card: charging them declines too."""

    def new_id(self) -> str:
        """A Clover id: 13 characters of base 32."""
        return "".join(self.rng.choice(ID_ALPHABET) for _ in range(13))

    def load(self, people: Sequence[Person]) -> None:
        provider = ProviderName.CLOVER
        for person in sorted(people, key=lambda p: p.created_in(provider)):
            since = int(person.created_in(provider).timestamp() * 1000)
            customer = self.add_customer(
                {"firstName": person.given_name, "lastName": person.family_name}, since
            )
            customer["emailAddresses"].append(
                {
                    "id": self.new_id(),
                    "emailAddress": person.email_in(provider),
                    "primaryEmail": True,
                }
            )
            customer["phoneNumbers"].append(
                {"id": self.new_id(), "phoneNumber": person.phone_in(provider)}
            )
            for a in person.addresses:
                fields = {
                    "address1": a.line1,
                    "address2": a.line2,
                    "city": a.city,
                    "state": a.region,
                    "zip": a.postal_code,
                    "country": a.country,
                }
                customer["addresses"].append(
                    {"id": self.new_id(), **{k: v for k, v in fields.items() if v}}
                )
            meta: dict[str, Any] = {}
            if person.company_name:
                meta["businessName"] = person.company_name
            if person.birthday:
                year, month, day = person.birthday.split("-")
                meta.update(dobYear=int(year), dobMonth=int(month), dobDay=int(day))
            if meta:
                customer["metadata"] = {**meta, "modifiedTime": since}
            for card in person.cards:
                brand = SEED_CARD_TYPES[card.brand]
                self.add_card(
                    customer,
                    Card(
                        brand,
                        FIRST6[brand],
                        card.last4,
                        f"{card.exp_month:02d}",
                        f"{card.exp_year:04d}",
                    ),
                )
            for order in person.orders:
                self.add_order(
                    customer["id"],
                    email=person.email_in(provider),
                    amount=order.amount,
                    currency=order.currency,
                    status=ORDER_STATUSES[order.state],
                    created=int(order.created_at.timestamp() * 1000),
                )

    def add_customer(self, names: Mapping[str, Any], since: int) -> dict[str, Any]:
        customer: dict[str, Any] = {
            "id": self.new_id(),
            **{k: v for k, v in names.items() if v is not None},
            "marketingAllowed": False,
            "customerSince": since,
            "metadata": None,
            "deletedTime": None,
            **{key: [] for key in NESTED_LISTS},
        }
        self.customers[customer["id"]] = customer
        return customer

    def add_card(self, customer: dict[str, Any], card: Card) -> dict[str, Any]:
        card_id = self.new_id()
        saved = {
            "id": card_id,
            "first6": card.first6,
            "last4": card.last4,
            "firstName": customer.get("firstName"),
            "lastName": customer.get("lastName"),
            "expirationDate": card.expiration,
            "cardType": card.brand,
            "token": f"{self.new_id()}{self.new_id()}",
            "tokenType": "MULTIPAY",
            "modifiedTime": now_ms(),
        }
        customer["cards"].append({k: v for k, v in saved.items() if v is not None})
        if card.declined:
            self.declined_cards.add(card_id)
        return saved

    def mint(self, card: Card) -> str:
        """A single-use `clv_` token for a card the tokenizer accepted."""
        token = "clv_1TST" + "".join(self.rng.choice(TOKEN_ALPHABET) for _ in range(20))
        self.minted[token] = card
        return token

    def claim_token(self, token: Any) -> Card:
        """The card a single-use `clv_` token stands for; reuse is refused."""
        if not isinstance(token, str) or not TOKEN_RE.match(token):
            raise EcommerceError(400, "resource_missing", "No such token.", param="source")
        if token in self.used_tokens:
            raise EcommerceError(
                400,
                "token_already_used",
                "The token was already used: it is not a multipay token.",
                error_type="card_error",
                param="source",
            )
        self.used_tokens.add(token)
        return self.minted.get(token) or untracked(token)

    def saved_card(self, customer: dict[str, Any]) -> tuple[str, Card]:
        """A card-on-file customer's first saved card, as the Ecommerce API charges it."""
        if not customer["cards"]:
            raise EcommerceError(
                400,
                "card_on_file_missing",
                "The customer has no card on file.",
                param="source",
            )
        saved = customer["cards"][0]
        expiration = saved.get("expirationDate", "1299")
        card = Card(
            saved.get("cardType", "VISA"),
            saved.get("first6", ""),
            saved.get("last4", ""),
            expiration[:2],
            f"20{expiration[2:]}",
            declined=saved["id"] in self.declined_cards,
        )
        return saved["id"], card

    def add_order(
        self,
        customer_id: str,
        *,
        email: str,
        amount: int,
        currency: str,
        status: str,
        created: int,
    ) -> None:
        order_id = self.new_id()
        self.orders.append(
            {
                "id": order_id,
                "object": "order",
                "amount": amount,
                "currency": currency.lower(),
                "created": created,
                "customer": customer_id,
                "email": email,
                "status": status,
                "items": [
                    {
                        "type": "sku",
                        "amount": amount,
                        "currency": currency.lower(),
                        "description": "Sandbox item",
                        "quantity": 1,
                    }
                ],
            }
        )
        if status == "paid":
            self.charges.append(
                {
                    "id": self.new_id(),
                    "object": "charge",
                    "amount": amount,
                    "amount_refunded": 0,
                    "captured": True,
                    "created": created,
                    "currency": currency.lower(),
                    "customer": customer_id,
                    "order": order_id,
                    "paid": True,
                    "status": "succeeded",
                }
            )

    def get(self, customer_id: str) -> dict[str, Any]:
        customer = self.customers.get(customer_id)
        if customer is None or customer["deletedTime"] is not None:
            raise customer_not_found()
        return customer

    def render(self, customer: dict[str, Any], expand: Iterable[str], base: str) -> dict[str, Any]:
        customer_id = customer["id"]
        out: dict[str, Any] = {
            "href": f"{base}/v3/merchants/{self.merchant_id}/customers/{customer_id}",
            "id": customer_id,
            "merchant": {"id": self.merchant_id},
        }
        for key in ("firstName", "lastName", "marketingAllowed", "customerSince", "deletedTime"):
            if customer.get(key) is not None:
                out[key] = customer[key]
        ref = {"customer": {"id": customer_id}}
        for key in expand:
            if key in NESTED_LISTS:
                out[key] = {"elements": [{**e, **ref} for e in customer[key]]}
            elif key == "metadata" and customer["metadata"]:
                out[key] = {**customer["metadata"], **ref}
        return out

    def render_ecommerce(self, customer: dict[str, Any]) -> dict[str, Any]:
        emails = customer["emailAddresses"]
        email = next((e for e in emails if e.get("primaryEmail")), emails[0] if emails else None)
        name = " ".join(customer[k] for k in ("firstName", "lastName") if customer.get(k))
        out: dict[str, Any] = {
            "id": customer["id"],
            "object": "customer",
            "created": customer["customerSince"],
            "currency": "usd",
        }
        if email:
            out["email"] = email["emailAddress"]
        if customer["phoneNumbers"]:
            out["phone"] = customer["phoneNumbers"][0]["phoneNumber"]
        if name:
            out["name"] = name
        out["sources"] = {
            "object": "list",
            "data": [card["id"] for card in customer["cards"]],
            "has_more": False,
        }
        if customer.get("shipping"):
            out["shipping"] = customer["shipping"]
        return out

    def listed(self, filters: Sequence[str]) -> list[dict[str, Any]]:
        """Customers in creation order; deleted ones only when `deletedTime` is asked about."""
        tests = [_filter(text) for text in filters]
        wants_deleted = any(text.startswith("deletedTime") for text in filters)
        return [
            c
            for c in self.customers.values()
            if (wants_deleted or c["deletedTime"] is None) and all(test(c) for test in tests)
        ]


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def _values(customer: Mapping[str, Any], field: str) -> list[Any]:
    if field == "emailAddress":
        return [e["emailAddress"] for e in customer["emailAddresses"]]
    if field == "phoneNumber":
        return [p["phoneNumber"] for p in customer["phoneNumbers"]]
    if field == "fullName":
        return [" ".join(customer[k] for k in ("firstName", "lastName") if customer.get(k))]
    value = customer.get(field)
    return [] if value is None else [value]


def _filter(text: str) -> Callable[[Mapping[str, Any]], bool]:
    """One `filter=` value: `<field><op><value>`, exact and case-sensitive on text."""
    match = FILTER_RE.match(text)
    if match is None or match[1] not in FILTER_FIELDS:
        raise PlatformError(400, f"Invalid filter: {text}")
    field, op, raw = match[1], match[2], match[3]
    wanted: Any = raw
    if field in NUMERIC_FILTERS:
        try:
            wanted = int(raw)
        except ValueError as exc:
            raise PlatformError(400, f"Invalid filter value for {field}") from exc
    elif field == "marketingAllowed":
        wanted = raw == "true"
    elif op not in {"=", "!="}:
        raise PlatformError(400, f"Invalid filter operator for {field}")
    compare = _COMPARE[op]
    if op == "!=":
        return lambda c: all(compare(v, wanted) for v in _values(c, field))
    return lambda c: any(compare(v, wanted) for v in _values(c, field))
