"""Ecommerce payments in the Clover sandbox: tokens, orders, charges (clover.md §6).

`POST /v1/tokens` is the tokenizer's (`apikey: <PAKMS key>`, the key `GET /pakms/apikey`
gives on the v3 host). `POST /v1/orders` needs `currency`, `email` and `items`;
`POST /v1/orders/{id}/pay` charges a token, a customer's card on file or the
order's customer. `POST /v1/charges` charges `amount` of `currency` to a token or a
card-on-file customer (`source: <customer id>`) and makes the order it pays for;
`capture: false` authorizes only, and `POST /v1/charges/{id}/capture` captures.
Payment requests need `x-forwarded-for` and an `Idempotency-Key` (`idempotency.py`).
A declined card answers 402 `card_declined` with the failed charge's id.

Lists are newest first in `{"object": "list", "url", "has_more", "data"}`: `limit` 1
to 100 (10 by default), `starting_after` / `ending_before`, `customer`, `created`
(epoch ms, exact or `created[gt|gte|lt|lte]`); charges also take `is_threeds` and
`threeds_validation_result` (no sandbox charge is 3-D Secure). `expand` and any
other parameter are refused, except the `merchantUuid` and `mid` Clover's Python
SDK adds to every call.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from sandboxes.clover import payments as rules
from sandboxes.clover.cards import Card, tokenize
from sandboxes.clover.errors import EcommerceError, ecommerce_bad_body
from sandboxes.clover.idempotency import IdempotencyKeys, require_client_ip
from sandboxes.clover.store import CloverStore, now_ms
from sandboxes.kit import int_param, json_object, marker_page

DEMO_PAKMS_KEY = "sandbox-clover-pakms-key"
LIST_PARAMS = frozenset(
    {"limit", "starting_after", "ending_before", "customer", "created", "merchantUuid", "mid"}
)
CHARGE_LIST_PARAMS = LIST_PARAMS | {"is_threeds", "threeds_validation_result"}
CREATED_RE = re.compile(r"^created(?:\[(gt|gte|lt|lte)\])?$")
COMPARE: dict[str, Callable[[int, int], bool]] = {
    "eq": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


async def _body(request: Request) -> dict[str, Any]:
    return await json_object(request, ecommerce_bad_body, required=False)


def _missing(kind: str, object_id: str) -> EcommerceError:
    return EcommerceError(404, "resource_missing", f"No such {kind}: {object_id}", param="id")


def _bad_limit(name: str, low: int, high: int) -> EcommerceError:
    return rules.invalid(name, f"`{name}` must be an integer between {low} and {high}.")


def _unknown_marker(side: str, marker: str) -> EcommerceError:
    param = "starting_after" if side == "after" else "ending_before"
    return EcommerceError(400, "resource_missing", f"No such object: {marker}", param=param)


def _created_tests(request: Request) -> list[Callable[[dict[str, Any]], bool]]:
    tests: list[Callable[[dict[str, Any]], bool]] = []
    for name, raw in request.query_params.multi_items():
        match = CREATED_RE.match(name)
        if match is None:
            continue
        try:
            wanted = int(raw)
        except ValueError as exc:
            raise rules.invalid(name, f"`{name}` is a time in epoch milliseconds.") from exc
        tests.append(_created_test(COMPARE[match[1] or "eq"], wanted))
    return tests


def _created_test(compare: Callable[[int, int], bool], wanted: int) -> Callable[[Any], bool]:
    return lambda row: compare(int(row["created"]), wanted)


def _listing(
    request: Request, rows: Sequence[dict[str, Any]], url: str, allowed: frozenset[str]
) -> dict[str, Any]:
    """Newest first; `starting_after` wins over `ending_before` when both are sent."""
    params = request.query_params
    for name in params:
        if name not in allowed and not CREATED_RE.match(name):
            raise rules.invalid(name, f"Received unknown parameter: {name}", "parameter_unknown")
    limit = int_param(params, "limit", 10, (1, 100), _bad_limit)
    tests = _created_tests(request)
    customer = params.get("customer")
    if customer is not None:
        tests.append(lambda row: row.get("customer") == customer)
    threeds = params.get("is_threeds")
    if threeds is not None:
        if threeds not in {"true", "false"}:
            raise rules.invalid("is_threeds", "`is_threeds` is true or false.")
        tests.append(lambda _: threeds == "false")
    if params.get("threeds_validation_result") is not None:
        tests.append(lambda _: False)
    ordered = sorted(
        (r for r in rows if all(test(r) for test in tests)),
        key=lambda r: (r["created"], r["id"]),
        reverse=True,
    )
    page, more = marker_page(
        ordered,
        limit,
        after=params.get("starting_after"),
        before=params.get("ending_before"),
        unknown=_unknown_marker,
    )
    return {"object": "list", "url": url, "has_more": more, "data": page}


class Payments:
    """Charges and orders over the store: one place decides what a payment does."""

    def __init__(self, store: CloverStore) -> None:
        self.store = store

    def customer(self, customer_id: Any, param: str) -> dict[str, Any]:
        record = self.store.customers.get(customer_id) if isinstance(customer_id, str) else None
        if record is None or record["deletedTime"] is not None:
            raise EcommerceError(
                400, "resource_missing", f"No such customer: {customer_id}", param=param
            )
        return record

    def source(self, source: Any) -> tuple[dict[str, Any], str | None]:
        """The charge's `source` block and customer: a token, or a card-on-file customer."""
        if isinstance(source, str) and source in self.store.customers:
            customer = self.customer(source, "source")
            card_id, card = self.store.saved_card(customer)
            return _source_block(card_id, card), source
        if source is None:
            raise rules.missing("source")
        card = self.store.claim_token(source)
        return _source_block(str(source), card), None

    def charge(
        self,
        amount: int,
        currency: str,
        source: Any,
        fields: dict[str, Any],
        *,
        order: dict[str, Any] | None,
        capture: bool = True,
    ) -> dict[str, Any]:
        """A charge, kept whether approved or declined; a decline raises 402 after it."""
        block, customer = self.source(source)
        declined = bool(block.pop("_declined"))
        charge: dict[str, Any] = {
            "id": self.store.new_id(),
            "object": "charge",
            "amount": amount,
            "amount_refunded": 0,
            "currency": currency,
            "created": now_ms(),
            "captured": capture and not declined,
            "paid": not declined,
            "refunded": False,
            "status": "failed" if declined else "succeeded",
            "source": block,
            **fields,
        }
        customer = customer or (order or {}).get("customer")
        if customer:
            charge["customer"] = customer
        if declined:
            charge["failure_code"] = "card_declined"
            charge["failure_message"] = "The card was declined."
            charge["outcome"] = {"network_status": "declined_by_network", "type": "issuer_declined"}
        else:
            charge["outcome"] = {"network_status": "approved_by_network", "type": "authorized"}
            charge["ref_num"] = f"{self.store.rng.randrange(10**12):012d}"
            charge["auth_code"] = f"OK{self.store.rng.randrange(10**4):04d}"
            if capture:
                charge["amount_captured"] = amount
            paid = order or self.order_for(charge, fields.get("description"))
            charge["order"] = paid["id"]
        self.store.charges.append(charge)
        if declined:
            raise EcommerceError(
                402,
                "card_declined",
                "The card was declined.",
                error_type="card_error",
                param="source",
                charge=charge["id"],
            )
        return charge

    def order_for(self, charge: dict[str, Any], description: str | None) -> dict[str, Any]:
        """The paid order a charge makes ("autocreate an order", docs "Create a charge")."""
        order = self.new_order(
            currency=charge["currency"],
            email=charge.get("receipt_email") or self.email_of(charge.get("customer")),
            customer=charge.get("customer"),
            items=[
                {
                    "type": "sku",
                    "amount": charge["amount"],
                    "currency": charge["currency"],
                    "description": description or "Charge",
                    "quantity": 1,
                }
            ],
            amount=charge["amount"],
            tax=charge.get("tax_amount", 0),
        )
        self.mark_paid(order, charge)
        return order

    def email_of(self, customer_id: str | None) -> str | None:
        customer = self.store.customers.get(customer_id or "")
        emails = customer["emailAddresses"] if customer else []
        return emails[0]["emailAddress"] if emails else None

    def new_order(
        self,
        *,
        currency: str,
        email: str | None,
        customer: str | None,
        items: list[dict[str, Any]],
        amount: int,
        tax: int,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        order: dict[str, Any] = {
            "id": self.store.new_id(),
            "object": "order",
            "amount": amount,
            "tax_amount": tax,
            "amount_returned": 0,
            "currency": currency,
            "created": now_ms(),
            "status": "created",
            "items": items,
            **(extra or {}),
        }
        if email:
            order["email"] = email
        if customer:
            order["customer"] = customer
        self.store.orders.append(order)
        return order

    @staticmethod
    def mark_paid(order: dict[str, Any], charge: dict[str, Any]) -> None:
        order.update(
            status="paid",
            charge=charge["id"],
            amount_paid=charge["amount"],
            ref_num=charge.get("ref_num"),
            auth_code=charge.get("auth_code"),
            status_transitions={"paid": charge["created"]},
        )


def _source_block(source_id: str, card: Card) -> dict[str, Any]:
    return {
        "id": source_id,
        "object": "card",
        "brand": card.brand,
        "exp_month": card.exp_month,
        "exp_year": card.exp_year,
        "first6": card.first6,
        "last4": card.last4,
        "cvc_check": "pass",
        "_declined": card.declined,
    }


def _charge_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The optional charge fields, validated, as the charge keeps them."""
    fields: dict[str, Any] = {"ecomind": rules.ecomind(body)}
    for key, limit, low in (
        ("description", 255, 0),
        ("external_reference_id", 12, 1),
        ("external_customer_reference", 255, 1),
        ("site_url", 13, 4),
    ):
        value = rules.text(body, key, limit, low=low)
        if value is not None:
            fields[key] = value
    receipt = rules.email(body, "receipt_email")
    if receipt is not None:
        fields["receipt_email"] = receipt
    for key in ("soft_descriptor", "level2", "level3"):
        block = rules.obj(body, key)
        if block is not None:
            fields[key] = block
    meta = rules.metadata(body)
    if meta is not None:
        fields["metadata"] = meta
    if body.get("tax_rate_uuid") is not None:
        raise rules.no_tax_rate("tax_rate_uuid")
    tax = rules.cents(body, "tax_amount", code="invalid_tax_amount")
    tip = rules.cents(body, "tip_amount", code="invalid_tip_amount")
    fields.update({k: v for k, v in (("tax_amount", tax), ("tip_amount", tip)) if v is not None})
    rules.flag(body, "partial_redemption", False)
    return fields


def routes(app: FastAPI, store: CloverStore, keys: IdempotencyKeys) -> None:
    """Added to the app itself, so the sandbox counters see each route's template."""
    pay = Payments(store)

    def order_of(order_id: str) -> dict[str, Any]:
        order = next((o for o in store.orders if o["id"] == order_id), None)
        if order is None:
            raise _missing("order", order_id)
        return order

    def charge_of(charge_id: str) -> dict[str, Any]:
        charge = next((c for c in store.charges if c["id"] == charge_id), None)
        if charge is None:
            raise _missing("charge", charge_id)
        return charge

    @app.get("/pakms/apikey")
    async def pakms_key() -> dict[str, Any]:
        return {"apiAccessKey": DEMO_PAKMS_KEY, "merchantUuid": store.merchant_id, "active": True}

    @app.post("/v1/tokens")
    async def create_token(request: Request) -> dict[str, Any]:
        card = tokenize(await _body(request), dt.datetime.now(dt.UTC).date())
        return {"id": store.mint(card), "object": "token", "card": card.token_card()}

    @app.post("/v1/orders")
    async def create_order(request: Request) -> JSONResponse:
        body = await _body(request)

        def create() -> dict[str, Any]:
            rules.only(body, rules.ORDER_FIELDS)
            currency = rules.currency(body)
            email = rules.email(body, "email", required=True)
            customer = body.get("customer")
            if customer is not None:
                pay.customer(customer, "customer")
            items, amount, tax = rules.order_items(body.get("items"), currency)
            extra: dict[str, Any] = {}
            shipping = rules.shipping(body.get("shipping"))
            if shipping:
                extra["shipping"] = shipping
            meta = rules.metadata(body)
            if meta is not None:
                extra["metadata"] = meta
            return pay.new_order(
                currency=currency,
                email=email,
                customer=customer,
                items=items,
                amount=amount,
                tax=tax,
                extra=extra,
            )

        return keys.run(request, body, create, required=False)

    @app.get("/v1/orders")
    async def list_orders(request: Request) -> dict[str, Any]:
        return _listing(request, store.orders, "/v1/orders", LIST_PARAMS)

    @app.get("/v1/orders/{orderId}")
    async def get_order(orderId: str) -> dict[str, Any]:
        return order_of(orderId)

    @app.post("/v1/orders/{orderId}/pay")
    async def pay_order(orderId: str, request: Request) -> JSONResponse:
        order = order_of(orderId)
        body = await _body(request)
        require_client_ip(request)

        def pay_it() -> dict[str, Any]:
            rules.only(body, rules.PAY_FIELDS)
            if order["status"] == "paid":
                raise EcommerceError(
                    400, "order_already_paid", "The order has already been paid.", param="id"
                )
            tip = rules.cents(body, "tip_amount", code="invalid_tip_amount") or 0
            receipt = rules.email(body, "email")
            fields: dict[str, Any] = {"ecomind": rules.ecomind(body)}
            if receipt is not None:
                fields["receipt_email"] = receipt
            if tip:
                fields["tip_amount"] = tip
            customer = body.get("customer")
            if customer is not None:
                pay.customer(customer, "customer")
            source = body.get("source") or customer or order.get("customer")
            charge = pay.charge(
                order["amount"] + tip, order["currency"], source, fields, order=order
            )
            pay.mark_paid(order, charge)
            return order

        return keys.run(request, body, pay_it, required=True)

    @app.post("/v1/charges")
    async def create_charge(request: Request) -> JSONResponse:
        body = await _body(request)
        require_client_ip(request)

        def create() -> dict[str, Any]:
            rules.only(body, rules.CHARGE_FIELDS)
            amount = rules.cents(body, "amount", code="invalid_charge_amount")
            if amount is None:
                raise rules.missing("amount")
            currency = rules.currency(body)
            capture = rules.flag(body, "capture", True)
            fields = _charge_fields(body)
            return pay.charge(
                amount, currency, body.get("source"), fields, order=None, capture=capture
            )

        return keys.run(request, body, create, required=True)

    @app.get("/v1/charges")
    async def list_charges(request: Request) -> dict[str, Any]:
        return _listing(request, store.charges, "/v1/charges", CHARGE_LIST_PARAMS)

    @app.get("/v1/charges/{chargeId}")
    async def get_charge(chargeId: str) -> dict[str, Any]:
        return charge_of(chargeId)

    @app.post("/v1/charges/{chargeId}/capture")
    async def capture_charge(chargeId: str, request: Request) -> JSONResponse:
        charge = charge_of(chargeId)
        body = await _body(request)
        require_client_ip(request)

        def capture() -> dict[str, Any]:
            rules.only(body, rules.CAPTURE_FIELDS)
            if charge["captured"]:
                raise EcommerceError(
                    400, "charge_already_captured", "The charge was already captured.", param="id"
                )
            if not charge["paid"]:
                raise rules.invalid("id", "A declined charge cannot be captured.")
            amount = rules.cents(body, "amount")
            amount = charge["amount"] if amount is None else amount
            if amount > charge["amount"]:
                raise rules.invalid("amount", "A capture cannot exceed the authorized amount.")
            receipt = rules.email(body, "receipt_email")
            level2 = rules.obj(body, "level2")
            charge.update(captured=True, amount_captured=amount)
            charge["amount_refunded"] = charge["amount"] - amount
            if receipt is not None:
                charge["receipt_email"] = receipt
            if level2 is not None:
                charge["level2"] = level2
            return charge

        return keys.run(request, body, capture, required=True)
