"""The Digital River emulator's routes: Customers, Sources, Tax identifiers and Orders.

Choices where digitalriver.md is silent, per the rulings: an update replaces
`shipping` and `metadata` whole and `null` clears a top-level field (`enabled` falls
back to its default `true`); detaching the default source clears `defaultSourceId`,
and a detached source is `cancelled` for good; `requestToBeForgotten` goes from
false to true once and never back (400 `invalid_parameter`, also for a second
`true`). Lists are newest first, `{"hasMore", "data"}`, paged by `limit` (1 to 100,
10 by default) and `startingAfter` / `endingBefore` (which wins when both are sent),
filtered on every parameter the document lists (`filters.py`). `POST /sources` makes
a `customerCredit` source with the secret key, a card with the public key (`rules.py`);
`GET /orders/{id}?expand=true` (the "enhanced payload", which the document does not
describe) is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request, Response

from sandboxes.digitalriver.errors import ApiError, bad_body, invalid
from sandboxes.digitalriver.filters import CUSTOMER_FIELDS, ORDER_FIELDS, Field, split
from sandboxes.digitalriver.rules import (
    check_card_source,
    check_create,
    check_credit_source,
    check_update,
)
from sandboxes.digitalriver.store import DigitalRiverStore, credit_card, now, one
from sandboxes.kit import int_param, json_object, marker_page


def _brand(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"34", "37"}:
        return "American Express"
    if number.startswith(("6011", "65")):
        return "Discover"
    return "MasterCard"


def _check_default_source(attached: Sequence[str], body: dict[str, Any]) -> None:
    source_id = body.get("defaultSourceId")
    if source_id is not None and source_id not in attached:
        raise ApiError(
            400,
            "invalid_parameter",
            "The default source must be attached to this customer.",
            "defaultSourceId",
        )


def _apply_update(customer: dict[str, Any], body: dict[str, Any]) -> None:
    """Top-level keys absent stay; `null` clears; `shipping` and `metadata` are replaced."""
    for key, value in body.items():
        if key == "requestToBeForgotten":
            customer[key] = bool(value) or customer.get(key, False)
        elif key == "taxCertificate":
            if value is not None:  # a null certificate adds none
                customer.setdefault("taxCertificates", []).append(value)
        elif key == "enabled" and value is None:
            customer["enabled"] = True
        elif value is None:
            customer.pop(key, None)
        else:
            customer[key] = value


def _bad_limit(name: str, low: int, high: int) -> ApiError:
    return invalid(name, f"'{name}' must be an integer from {low} to {high}.")


def _unknown_marker(side: str, marker: str) -> ApiError:
    parameter = "startingAfter" if side == "after" else "endingBefore"
    return invalid(parameter, f"'{marker}' is not in this list.")


def _page(records: list[dict[str, Any]], paging: Mapping[str, str]) -> dict[str, Any]:
    limit = int_param(paging, "limit", 10, (1, 100), _bad_limit)
    before = paging.get("endingBefore")
    data, more = marker_page(
        records,
        limit,
        after=None if before is not None else paging.get("startingAfter"),
        before=before,
        unknown=_unknown_marker,
    )
    return {"hasMore": more, "data": data}


def routes(app: FastAPI, store: DigitalRiverStore) -> None:
    """Added to the app itself, so the sandbox counters see each route's template."""

    async def body_of(request: Request) -> dict[str, Any]:
        return await json_object(request, bad_body, required=False)

    def listing(
        request: Request, records: list[dict[str, Any]], fields: Mapping[str, Field]
    ) -> dict[str, Any]:
        paging, predicates = split(list(request.query_params.multi_items()), fields)
        records = [r for r in store.newest_first(records) if all(p(r) for p in predicates)]
        return _page(records, paging)

    @app.post("/customers", status_code=201)
    async def create_customer(request: Request) -> dict[str, Any]:
        body = await body_of(request)
        check_create(body)
        customer_id = body.pop("id", None) or store.unused_customer_id()
        if customer_id in store.customers:
            raise ApiError(409, "already_exists", f"Customer '{customer_id}' already exists.", "id")
        _check_default_source((), body)
        customer: dict[str, Any] = {"id": customer_id, "createdTime": now()}
        customer |= {k: v for k, v in body.items() if v is not None and k != "taxCertificate"}
        if body.get("taxCertificate") is not None:
            customer["taxCertificates"] = [body["taxCertificate"]]
        customer.setdefault("enabled", True)
        customer["requestToBeForgotten"] = False
        store.insert(customer)
        return store.render(customer)

    @app.get("/customers")
    async def list_customers(request: Request) -> dict[str, Any]:
        result = listing(request, list(store.customers.values()), CUSTOMER_FIELDS)
        result["data"] = [store.render(c) for c in result["data"]]
        return result

    @app.get("/customers/{customer_id}")
    async def retrieve_customer(customer_id: str) -> dict[str, Any]:
        return store.render(store.customer(customer_id))

    @app.post("/customers/{customer_id}")
    async def update_customer(customer_id: str, request: Request) -> dict[str, Any]:
        customer = store.customer(customer_id)
        body = await body_of(request)
        check_update(body, customer)
        _check_default_source(store.attached[customer_id], body)
        _apply_update(customer, body)
        customer["updatedTime"] = now()
        return store.render(customer)

    @app.delete("/customers/{customer_id}", status_code=204)
    async def delete_customer(customer_id: str) -> Response:
        store.delete(customer_id)
        return Response(status_code=204)

    @app.post("/customers/{customer_id}/sources/{source_id}")
    async def attach_source(customer_id: str, source_id: str, request: Request) -> dict[str, Any]:
        if await body_of(request):
            raise ApiError(400, "unknown_parameter", "This request takes no body.")
        source = store.attach(customer_id, source_id)
        store.customer(customer_id)["updatedTime"] = now()
        return source

    @app.delete("/customers/{customer_id}/sources/{source_id}", status_code=204)
    async def detach_source(customer_id: str, source_id: str) -> Response:
        store.detach(customer_id, source_id)
        store.customer(customer_id)["updatedTime"] = now()
        return Response(status_code=204)

    @app.post("/customers/{customer_id}/tax-identifiers/{tax_id}")
    async def attach_tax_identifier(customer_id: str, tax_id: str) -> dict[str, Any]:
        store.customer(customer_id)
        tax = one(store.tax_identifiers, tax_id, "Tax identifier", "taxId")
        if tax.get("customerId") not in (None, customer_id):
            raise ApiError(409, "conflict", "The tax identifier belongs to another customer.")
        tax["customerId"] = customer_id
        tax["updatedTime"] = now()
        return tax

    @app.post("/tax-identifiers", status_code=201)
    async def create_tax_identifier(request: Request) -> dict[str, Any]:
        body = await body_of(request)
        for key in body:
            if key not in {"type", "value"}:
                raise ApiError(400, "unknown_parameter", f"Unknown parameter '{key}'.", key)
        for key in ("type", "value"):
            if not isinstance(body.get(key), str) or not body[key]:
                raise ApiError(400, "missing_parameter", f"'{key}' is required.", key)
        stamp = now()
        tax = {
            "id": store.new_uuid(),
            "type": body["type"],
            "value": body["value"],
            "state": "pending",
            "createdTime": stamp,
            "updatedTime": stamp,
            "liveMode": False,
        }
        store.tax_identifiers[tax["id"]] = tax
        return tax

    @app.post("/sources", status_code=201)
    async def create_source(request: Request) -> dict[str, Any]:
        body = await body_of(request)
        if request.state.public_key:
            number, month, year = check_card_source(body)
            return store.add_source(
                store.new_uuid(),
                credit_card(_brand(number), number[-4:], month, year),
                owner=body.get("owner"),
                reusable=body.get("reusable") is not False,
            )
        check_credit_source(body)
        return store.add_credit_source(body)

    @app.get("/sources/{source_id}")
    async def retrieve_source(source_id: str) -> dict[str, Any]:
        return one(store.sources, source_id, "Source")

    @app.get("/orders")
    async def list_orders(request: Request) -> dict[str, Any]:
        return listing(request, list(store.orders.values()), ORDER_FIELDS)

    @app.get("/orders/{order_id}")
    async def retrieve_order(order_id: str, request: Request) -> dict[str, Any]:
        expand = request.query_params.get("expand", "false")
        if expand not in {"true", "false"}:
            raise invalid("expand", "'expand' must be true or false.")
        if expand == "true":
            raise invalid("expand", "This sandbox does not build the enhanced payload.")
        return one(store.orders, order_id, "Order")
