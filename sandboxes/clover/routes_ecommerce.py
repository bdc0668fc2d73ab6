"""Ecommerce API v1 routes of the Clover sandbox: card-on-file customers, orders, charges.

Follows clover.md and the rulings: create needs `email` and a single-use `clv_`
`source` token (reuse: `token_already_used`); `PUT /v1/customers/{id}` changes
the fields sent and adds a card when it carries a `source`; a saved card is
revoked with `DELETE /v1/customers/{id}/sources/{sourceId}`. There is no GET or
list of customers: reads go through v3, which sees the same records. Orders and
charges list newest first in the `{"object": "list", ...}` envelope, `limit` 1
to 100 (10 by default), paged with `starting_after` / `ending_before`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request

from sandboxes.clover.errors import EcommerceError, ecommerce_bad_body
from sandboxes.clover.rules import EMAIL_RE
from sandboxes.clover.store import CloverStore, now_ms
from sandboxes.kit import int_param, json_object, marker_page

PREFIX = "/v1"
TEXT_FIELDS = ("firstName", "lastName", "name", "phone")
SHIPPING_ADDRESS = ("line1", "line2", "city", "state", "postal_code", "country")


async def _body(request: Request) -> dict[str, Any]:
    return await json_object(request, ecommerce_bad_body, required=True)


def _invalid(param: str, message: str) -> EcommerceError:
    return EcommerceError(400, "parameter_invalid", message, param=param)


def _checked(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The customer fields of a create or update, validated before anything changes."""
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
    for key in TEXT_FIELDS:
        if body.get(key) is not None and not isinstance(body[key], str):
            raise _invalid(key, f"`{key}` must be a string.")
    if body.get("ecomind", "ecom") not in {"ecom", "moto"}:
        raise _invalid("ecomind", "`ecomind` is `ecom` or `moto`.")
    fields = {k: body[k] for k in (*TEXT_FIELDS, "email") if k in body}
    if "shipping" in body:
        fields["shipping"] = _shipping(body["shipping"])
    return fields


def _shipping(value: Any) -> dict[str, Any] | None:
    """Shipping as sent; the address's `postalCode` spelling is taken as `postal_code`."""
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("address", {}), dict):
        raise _invalid("shipping", "`shipping` must be an object.")
    address = dict(value.get("address") or {})
    if "postalCode" in address:
        address["postal_code"] = address.pop("postalCode")
    shipping = {k: value[k] for k in ("name", "phone") if isinstance(value.get(k), str)}
    kept = {k: address[k] for k in SHIPPING_ADDRESS if isinstance(address.get(k), str)}
    if kept:
        shipping["address"] = kept
    return shipping or None


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


def _bad_limit(name: str, low: int, high: int) -> EcommerceError:
    return _invalid(name, f"`{name}` must be an integer between {low} and {high}.")


def _unknown_marker(side: str, marker: str) -> EcommerceError:
    param = "starting_after" if side == "after" else "ending_before"
    return EcommerceError(400, "resource_missing", f"No such object: {marker}", param=param)


def _listing(request: Request, rows: Sequence[dict[str, Any]], url: str) -> dict[str, Any]:
    """Newest first; `starting_after` wins over `ending_before` when both are sent."""
    params = request.query_params
    limit = int_param(params, "limit", 10, (1, 100), _bad_limit)
    customer = params.get("customer")
    ordered = sorted(
        (r for r in rows if customer is None or r["customer"] == customer),
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


def routes(app: FastAPI, store: CloverStore) -> None:
    """Added to the app itself, so the sandbox counters see each route's template."""

    def find(customer_id: str) -> dict[str, Any]:
        customer = store.customers.get(customer_id)
        if customer is None or customer["deletedTime"] is not None:
            raise EcommerceError(
                404, "resource_missing", f"No such customer: {customer_id}", param="customer"
            )
        return customer

    @app.post(PREFIX + "/customers")
    async def create_customer(request: Request) -> dict[str, Any]:
        body = await _body(request)
        fields = _checked(body, creating=True)
        card = store.claim_token(body["source"])
        customer = store.add_customer({}, now_ms())
        _apply(store, customer, fields)
        store.add_card(customer, *card)
        return store.render_ecommerce(customer)

    @app.put(PREFIX + "/customers/{customerId}")
    async def update_customer(customerId: str, request: Request) -> dict[str, Any]:
        customer = find(customerId)
        body = await _body(request)
        fields = _checked(body, creating=False)
        card = store.claim_token(body["source"]) if "source" in body else None
        _apply(store, customer, fields)
        if card is not None:
            store.add_card(customer, *card)
        return store.render_ecommerce(customer)

    @app.delete(PREFIX + "/customers/{customerId}/sources/{sourceId}")
    async def revoke_source(customerId: str, sourceId: str) -> dict[str, Any]:
        customer = find(customerId)
        card = next((c for c in customer["cards"] if c["id"] == sourceId), None)
        if card is None:
            raise EcommerceError(404, "resource_missing", f"No such source: {sourceId}")
        customer["cards"].remove(card)
        return {"deleted": True, "id": sourceId, "object": "deletedcard"}

    @app.get(PREFIX + "/orders")
    async def list_orders(request: Request) -> dict[str, Any]:
        return _listing(request, store.orders, "/v1/orders")

    @app.get(PREFIX + "/charges")
    async def list_charges(request: Request) -> dict[str, Any]:
        return _listing(request, store.charges, "/v1/charges")
