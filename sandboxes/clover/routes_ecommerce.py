"""Ecommerce API v1 routes of the Clover sandbox: card-on-file customers.

Follows clover.md and the rulings: create needs `email` and a single-use `clv_`
`source` token (reuse: `token_already_used`); `PUT /v1/customers/{id}` changes
the fields sent and adds a card when it carries a `source` (a card the customer
already has is 409, as the Ecommerce FAQ says); a saved card is revoked with
`DELETE /v1/customers/{id}/sources/{sourceId}`; `DELETE /v1/customers/{id}`, which
Clover's Node SDK has, deletes as v3 does. Undocumented fields are refused.
There is no GET or list of customers: reads go through v3, which sees the same
records. Orders, charges and tokens are in `routes_payments.py`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from sandboxes.clover.cards import Card
from sandboxes.clover.errors import EcommerceError, ecommerce_bad_body
from sandboxes.clover.idempotency import IdempotencyKeys
from sandboxes.clover.payments import only, shipping
from sandboxes.clover.rules import EMAIL_RE
from sandboxes.clover.store import CloverStore, now_ms
from sandboxes.kit import json_object

PREFIX = "/v1"
TEXT_FIELDS = {"firstName": 64, "lastName": 64, "name": 129, "phone": 127}
CUSTOMER_FIELDS = frozenset({*TEXT_FIELDS, "email", "source", "ecomind", "shipping"})


async def _body(request: Request) -> dict[str, Any]:
    return await json_object(request, ecommerce_bad_body, required=True)


def _invalid(param: str, message: str) -> EcommerceError:
    return EcommerceError(400, "parameter_invalid", message, param=param)


def _checked(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The customer fields of a create or update, validated before anything changes."""
    only(body, CUSTOMER_FIELDS)
    email = body.get("email")
    if creating and email is None:
        raise EcommerceError(
            400, "parameter_missing", "Missing required param: email.", param="email"
        )
    if email is not None and (not isinstance(email, str) or not EMAIL_RE.match(email)):
        raise EcommerceError(400, "email_invalid", "The email address is invalid.", param="email")
    if creating and "source" not in body:
        raise EcommerceError(
            400, "parameter_missing", "Missing required param: source.", param="source"
        )
    for key, limit in TEXT_FIELDS.items():
        value = body.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise _invalid(key, f"`{key}` must be text of at most {limit} characters.")
    if body.get("ecomind", "ecom") not in {"ecom", "moto"}:
        raise _invalid("ecomind", "`ecomind` is `ecom` or `moto`.")
    fields = {k: body[k] for k in (*TEXT_FIELDS, "email") if k in body}
    if "shipping" in body:
        fields["shipping"] = shipping(body["shipping"])
    return fields


def _apply(store: CloverStore, customer: dict[str, Any], fields: dict[str, Any]) -> None:
    """Ecommerce fields land on the v3 record: both APIs show the same customer."""
    names = {k: fields[k] for k in ("firstName", "lastName") if k in fields}
    if not names and fields.get("name"):
        first, _, last = fields["name"].partition(" ")
        names = {"firstName": first, "lastName": last or None}
    for key, value in names.items():
        if value is None:
            customer.pop(key, None)
        else:
            customer[key] = value
    if fields.get("email"):
        emails = customer["emailAddresses"]
        target = next((e for e in emails if e.get("primaryEmail")), emails[0] if emails else None)
        if target is None:
            emails.append({"id": store.new_id(), "emailAddress": fields["email"]})
            target = emails[-1]
        target.update(emailAddress=fields["email"], primaryEmail=True)
    if fields.get("phone"):
        phones = customer["phoneNumbers"]
        if phones:
            phones[0]["phoneNumber"] = fields["phone"]
        else:
            phones.append({"id": store.new_id(), "phoneNumber": fields["phone"]})
    if "shipping" in fields:
        customer["shipping"] = fields["shipping"]


def routes(app: FastAPI, store: CloverStore, keys: IdempotencyKeys) -> None:
    """Added to the app itself, so the sandbox counters see each route's template."""

    def find(customer_id: str) -> dict[str, Any]:
        customer = store.customers.get(customer_id)
        if customer is None or customer["deletedTime"] is not None:
            raise EcommerceError(
                404, "resource_missing", f"No such customer: {customer_id}", param="customer"
            )
        return customer

    def add_source(customer: dict[str, Any], card: Card) -> None:
        same = (card.brand, card.first6, card.last4, card.expiration)
        for saved in customer["cards"]:
            kept = (saved["cardType"], saved["first6"], saved["last4"], saved["expirationDate"])
            if kept == same:
                raise EcommerceError(
                    409, "card_duplicate", "The customer already has this card.", param="source"
                )
        store.add_card(customer, card)

    @app.post(PREFIX + "/customers")
    async def create_customer(request: Request) -> JSONResponse:
        body = await _body(request)

        def create() -> dict[str, Any]:
            fields = _checked(body, creating=True)
            card = store.claim_token(body["source"])
            customer = store.add_customer({}, now_ms())
            _apply(store, customer, fields)
            store.add_card(customer, card)
            return store.render_ecommerce(customer)

        return keys.run(request, body, create, required=False)

    @app.put(PREFIX + "/customers/{customerId}")
    async def update_customer(customerId: str, request: Request) -> JSONResponse:
        customer = find(customerId)
        body = await _body(request)

        def update() -> dict[str, Any]:
            fields = _checked(body, creating=False)
            card = store.claim_token(body["source"]) if "source" in body else None
            if card is not None:
                add_source(customer, card)
            _apply(store, customer, fields)
            return store.render_ecommerce(customer)

        return keys.run(request, body, update, required=False)

    @app.delete(PREFIX + "/customers/{customerId}")
    async def delete_customer(customerId: str) -> dict[str, Any]:
        """In the official Node SDK (`customers.del`), not in the docs: the v3 soft delete."""
        find(customerId)["deletedTime"] = now_ms()
        return {"deleted": True, "id": customerId, "object": "customer"}

    @app.delete(PREFIX + "/customers/{customerId}/sources/{sourceId}")
    async def revoke_source(customerId: str, sourceId: str) -> dict[str, Any]:
        customer = find(customerId)
        card = next((c for c in customer["cards"] if c["id"] == sourceId), None)
        if card is None:
            raise EcommerceError(404, "resource_missing", f"No such source: {sourceId}")
        customer["cards"].remove(card)
        return {"deleted": True, "id": sourceId, "object": "deletedcard"}
