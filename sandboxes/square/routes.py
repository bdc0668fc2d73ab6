"""The Square emulator's routes: Customers, Cards, Locations and SearchOrders (square.md).

Every success is 200 (DELETE answers `{}`); search answers `{}` when nothing
matches; bulk-retrieve takes at most 100 ids; SearchOrders takes at most 10 customer
ids and needs `location_ids`. The test nonce `cnon:card-nonce-ok` is reusable; any
other `cnon:` nonce is single-use (`SOURCE_USED` on reuse).
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import FastAPI, Request

from sandboxes.kit import json_object
from sandboxes.square.errors import SquareApiError, bad_body
from sandboxes.square.rules import (
    IDENTITY,
    WRITABLE,
    apply,
    fingerprint,
    listable,
    page,
    search_filter,
    sort_customers,
    validate_fields,
)
from sandboxes.square.store import LOCATION_ID, SquareStore, now

REUSABLE_NONCE = "cnon:card-nonce-ok"


def routes(app: FastAPI, store: SquareStore) -> None:
    """Added to the app itself, so the sandbox counters see each route's template."""

    async def body_of(request: Request) -> dict[str, Any]:
        return await json_object(request, bad_body, required=False)

    @app.post("/v2/customers")
    async def create_customer(request: Request) -> dict[str, Any]:
        body = await body_of(request)
        key = body.pop("idempotency_key", None)
        request_print = fingerprint(body)
        if key is not None:
            seen = store.idempotency.get(key)
            if seen is not None:
                if seen[0] != request_print:
                    raise SquareApiError(
                        400,
                        "IDEMPOTENCY_KEY_REUSED",
                        "The idempotency key was used with a different request.",
                        "idempotency_key",
                    )
                return seen[1]
        validate_fields(body, {*WRITABLE, "address", "tax_ids"})
        if not any(body.get(field) for field in IDENTITY):
            raise SquareApiError(
                400,
                "BAD_REQUEST",
                "At least one of given_name, family_name, company_name, email_address, "
                "or phone_number is required for a customer.",
            )
        stamp = now()
        customer: dict[str, Any] = {
            "id": store.new_id(),
            "created_at": stamp,
            "updated_at": stamp,
            "preferences": {"email_unsubscribed": False},
            "creation_source": "THIRD_PARTY",
            "version": 0,
        }
        apply(customer, body)
        store.customers[customer["id"]] = customer
        response = {"customer": customer}
        if key is not None:
            store.idempotency[key] = (request_print, response)
        return response

    @app.get("/v2/customers")
    async def list_customers(
        cursor: str | None = None,
        limit: int = 100,
        sort_field: str = "DEFAULT",
        sort_order: str = "ASC",
    ) -> dict[str, Any]:
        customers = sort_customers(
            [c for c in store.customers.values() if listable(c)], sort_field, sort_order
        )
        return page("customers", customers, limit, cursor, f"list:{sort_field}:{sort_order}")

    @app.post("/v2/customers/search")
    async def search_customers(request: Request) -> dict[str, Any]:
        body = await body_of(request)
        cursor = body.pop("cursor", None)
        limit = body.get("limit", 100)
        query = body.get("query") or {}
        flt = query.get("filter") or {}
        sort = query.get("sort") or {}
        customers = [c for c in store.customers.values() if listable(c) and search_filter(c, flt)]
        if sort or flt:
            customers = sort_customers(
                customers, sort.get("field", "DEFAULT"), sort.get("order", "ASC")
            )
        else:
            customers = sort_customers(customers, "DEFAULT", "ASC")
        return page("customers", customers, limit, cursor, fingerprint(body))

    @app.post("/v2/customers/bulk-retrieve")
    async def bulk_retrieve(request: Request) -> dict[str, Any]:
        body = await body_of(request)
        ids = body.get("customer_ids")
        if not isinstance(ids, list):
            raise SquareApiError(
                400, "MISSING_REQUIRED_PARAMETER", "`customer_ids` is required.", "customer_ids"
            )
        if not ids:
            raise SquareApiError(400, "ARRAY_EMPTY", "`customer_ids` is empty.", "customer_ids")
        if len(ids) > 100:
            raise SquareApiError(
                400, "ARRAY_LENGTH_TOO_LONG", "At most 100 customer ids.", "customer_ids"
            )
        responses: dict[str, Any] = {}
        for customer_id in ids:
            customer = store.customers.get(customer_id)
            responses[customer_id] = (
                {"customer": customer}
                if customer
                else {
                    "errors": [
                        {
                            "category": "INVALID_REQUEST_ERROR",
                            "code": "NOT_FOUND",
                            "detail": f"Customer with ID `{customer_id}` not found.",
                        }
                    ]
                }
            )
        return {"responses": responses}

    @app.get("/v2/customers/{customer_id}")
    async def retrieve_customer(customer_id: str) -> dict[str, Any]:
        return {"customer": store.get(customer_id)}

    @app.put("/v2/customers/{customer_id}")
    async def update_customer(customer_id: str, request: Request) -> dict[str, Any]:
        customer = store.get(customer_id)
        body = await body_of(request)
        version = body.pop("version", None)
        validate_fields(body, {*WRITABLE, "address", "tax_ids"})
        if version is not None and version != customer["version"]:
            raise SquareApiError(
                409, "CONFLICT", "Customer version mismatch: the customer has changed.", "version"
            )
        apply(customer, body)
        customer["version"] += 1
        customer["updated_at"] = now()
        return {"customer": customer}

    @app.delete("/v2/customers/{customer_id}")
    async def delete_customer(customer_id: str, version: int | None = None) -> dict[str, Any]:
        customer = store.get(customer_id)
        if version is not None and version != customer["version"]:
            raise SquareApiError(
                409, "CONFLICT", "Customer version mismatch: the customer has changed.", "version"
            )
        del store.customers[customer_id]
        for card in store.cards.values():
            if card["customer_id"] == customer_id:
                card["enabled"] = False
        return {}

    @app.post("/v2/cards")
    async def create_card(request: Request) -> dict[str, Any]:
        body = await body_of(request)
        key = body.get("idempotency_key")
        if not isinstance(key, str) or not 1 <= len(key) <= 45:
            raise SquareApiError(
                400,
                "INVALID_VALUE",
                "`idempotency_key` is required, 1 to 45 characters.",
                "idempotency_key",
            )
        seen = store.idempotency.get(f"card:{key}")
        if seen is not None:
            return seen[1]
        source = body.get("source_id")
        card_in = body.get("card") or {}
        customer_id = card_in.get("customer_id")
        if not isinstance(source, str) or not source.startswith("cnon:"):
            raise SquareApiError(400, "INVALID_CARD_DATA", "Invalid card data.", "source_id")
        if source != REUSABLE_NONCE and source in store.used_nonces:
            raise SquareApiError(
                400, "SOURCE_USED", "The card nonce was already used.", "source_id"
            )
        if customer_id not in store.customers:
            raise SquareApiError(
                404, "CUSTOMER_NOT_FOUND", "The customer was not found.", "card.customer_id"
            )
        store.used_nonces.add(source)
        digest = hashlib.sha256(source.encode()).digest()
        brand, last4 = (
            ("VISA", "1111")
            if source == REUSABLE_NONCE
            else (
                ("VISA", "MASTERCARD", "AMERICAN_EXPRESS", "DISCOVER")[digest[0] % 4],
                f"{int.from_bytes(digest[1:3], 'big') % 10000:04d}",
            )
        )
        card = store.add_card(customer_id, brand, last4, 12, 2030)
        if card_in.get("cardholder_name"):
            card["cardholder_name"] = card_in["cardholder_name"]
        response = {"card": card}
        store.idempotency[f"card:{key}"] = ("", response)
        return response

    @app.get("/v2/cards")
    async def list_cards(
        customer_id: str | None = None,
        include_disabled: bool = False,
        cursor: str | None = None,
        sort_order: str = "ASC",
    ) -> dict[str, Any]:
        cards = [
            c
            for c in store.cards.values()
            if (customer_id is None or c["customer_id"] == customer_id)
            and (include_disabled or c["enabled"])
        ]
        cards.sort(key=lambda c: (c["created_at"], c["id"]), reverse=sort_order == "DESC")
        bound_to = f"cards:{customer_id}:{include_disabled}:{sort_order}"
        return page("cards", cards, 25, cursor, bound_to)

    @app.get("/v2/cards/{card_id}")
    async def retrieve_card(card_id: str) -> dict[str, Any]:
        card = store.cards.get(card_id)
        if card is None:
            raise SquareApiError(404, "NOT_FOUND", f"Card with ID `{card_id}` not found.")
        return {"card": card}

    @app.post("/v2/cards/{card_id}/disable")
    async def disable_card(card_id: str) -> dict[str, Any]:
        card = store.cards.get(card_id)
        if card is None:
            raise SquareApiError(404, "NOT_FOUND", f"Card with ID `{card_id}` not found.")
        card["enabled"] = False
        return {"card": card}

    @app.get("/v2/locations")
    async def list_locations() -> dict[str, Any]:
        return {
            "locations": [
                {
                    "id": LOCATION_ID,
                    "name": "Sandbox main street",
                    "status": "ACTIVE",
                    "country": "US",
                    "currency": "USD",
                    "merchant_id": "MSANDBOX",
                }
            ]
        }

    @app.post("/v2/orders/search")
    async def search_orders(request: Request) -> dict[str, Any]:
        body = await body_of(request)
        locations = body.get("location_ids")
        if not isinstance(locations, list) or not locations:
            raise SquareApiError(
                400, "MISSING_REQUIRED_PARAMETER", "`location_ids` is required.", "location_ids"
            )
        if len(locations) > 10:
            raise SquareApiError(
                400, "ARRAY_LENGTH_TOO_LONG", "At most 10 location ids.", "location_ids"
            )
        cursor = body.pop("cursor", None)
        limit = body.get("limit", 500)
        if not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise SquareApiError(400, "INVALID_VALUE", "`limit` must be 1 to 1000.", "limit")
        query = body.get("query") or {}
        customer_filter = (query.get("filter") or {}).get("customer_filter")
        ids: list[str] | None = None
        if customer_filter is not None:
            ids = customer_filter.get("customer_ids") or []
            if len(ids) > 10:
                raise SquareApiError(
                    400,
                    "ARRAY_LENGTH_TOO_LONG",
                    "customer_filter takes at most 10 customer ids.",
                    "query.filter.customer_filter.customer_ids",
                )
        sort = query.get("sort") or {}
        orders = [
            o
            for o in store.orders
            if o["location_id"] in locations and (ids is None or o["customer_id"] in ids)
        ]
        orders.sort(
            key=lambda o: (o[sort.get("sort_field", "CREATED_AT").lower()], o["id"]),
            reverse=sort.get("sort_order", "DESC") == "DESC",
        )
        return page("orders", orders, limit, cursor, fingerprint(body), most=1000)
