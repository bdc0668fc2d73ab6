"""The Square emulator's routes: Customers (`customers.py`), Cards, Locations and Orders.

Every success is 200; lists answer `{}` when empty. ListCards pages 25 cards at a
time, in creation order, filtered by customer and reference id. The test nonce
`cnon:card-nonce-ok` is reusable; any other `cnon:` nonce is single-use (`SOURCE_USED`
on reuse). CreateCard's idempotency key answers its first card to the same request
and is `IDEMPOTENCY_KEY_REUSED` for another. RetrieveLocation also takes `main`.
SearchOrders needs `location_ids` and matches only this seller's locations.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import FastAPI, Request

from sandboxes.square.bodies import CREATE_CARD, LIST_CARDS, SEARCH_ORDERS
from sandboxes.square.customers import customer_routes
from sandboxes.square.errors import SquareApiError
from sandboxes.square.orders import entry, order_matcher, sort_orders
from sandboxes.square.rules import fingerprint, page
from sandboxes.square.shapes import read_body, read_query
from sandboxes.square.store import LOCATION_ID, SquareStore

REUSABLE_NONCE = "cnon:card-nonce-ok"
CARDS_PER_PAGE = 25
CARD_SCOPE = "card"


def routes(app: FastAPI, store: SquareStore) -> None:
    """Added to the app itself, so the sandbox counters see each route's template."""
    customer_routes(app, store)

    def card_of(card_id: str) -> dict[str, Any]:
        card = store.cards.get(card_id)
        if card is None:
            raise SquareApiError(404, "NOT_FOUND", f"Card with ID `{card_id[:64]}` not found.")
        return card

    @app.post("/v2/cards")
    async def create_card(request: Request) -> dict[str, Any]:
        body = await read_body(request, CREATE_CARD)
        key = body.pop("idempotency_key")
        request_print = fingerprint(body)
        seen = store.remembered(CARD_SCOPE, key, request_print)
        if seen is not None:
            return seen
        source = body["source_id"]
        card_in = body["card"]
        customer_id = card_in.get("customer_id")
        if not source.startswith("cnon:"):
            raise SquareApiError(400, "INVALID_CARD_DATA", "Invalid card data.", "source_id")
        if source != REUSABLE_NONCE and source in store.used_nonces:
            raise SquareApiError(
                400, "SOURCE_USED", "The card nonce was already used.", "source_id"
            )
        if customer_id is None:
            raise SquareApiError(
                400,
                "MISSING_REQUIRED_PARAMETER",
                "`card.customer_id` is required.",
                "card.customer_id",
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
        card = store.add_card(
            customer_id,
            brand,
            last4,
            card_in.get("exp_month") or 12,
            card_in.get("exp_year") or 2030,
        )
        for name in ("cardholder_name", "billing_address", "reference_id"):
            if card_in.get(name):
                card[name] = card_in[name]
        answer = {"card": card}
        store.remember(CARD_SCOPE, key, request_print, answer)
        return answer

    @app.get("/v2/cards")
    async def list_cards(request: Request) -> dict[str, Any]:
        params = read_query(request.query_params, LIST_CARDS)
        customer_id, reference_id = params.get("customer_id"), params.get("reference_id")
        include_disabled = params.get("include_disabled", False)
        sort_order = params.get("sort_order", "ASC")
        cards = [
            c
            for c in store.cards.values()
            if (customer_id is None or c["customer_id"] == customer_id)
            and (reference_id is None or c.get("reference_id") == reference_id)
            and (include_disabled or c["enabled"])
        ]
        if sort_order == "DESC":
            cards.reverse()
        bound_to = fingerprint({k: v for k, v in params.items() if k != "cursor"})
        return page("cards", cards, CARDS_PER_PAGE, params.get("cursor"), f"cards:{bound_to}")

    @app.get("/v2/cards/{card_id}")
    async def retrieve_card(card_id: str) -> dict[str, Any]:
        return {"card": card_of(card_id)}

    @app.post("/v2/cards/{card_id}/disable")
    async def disable_card(card_id: str) -> dict[str, Any]:
        card = card_of(card_id)
        card["enabled"] = False
        return {"card": card}

    @app.get("/v2/locations")
    async def list_locations() -> dict[str, Any]:
        return {"locations": list(store.locations.values())}

    @app.get("/v2/locations/{location_id}")
    async def retrieve_location(location_id: str) -> dict[str, Any]:
        location = store.locations.get(LOCATION_ID if location_id == "main" else location_id)
        if location is None:
            raise SquareApiError(
                404, "NOT_FOUND", f"Location with ID `{location_id[:64]}` not found."
            )
        return {"location": location}

    @app.post("/v2/orders/search")
    async def search_orders(request: Request) -> dict[str, Any]:
        body = await read_body(request, SEARCH_ORDERS)
        locations = body.get("location_ids")
        if not locations:
            raise SquareApiError(
                400, "MISSING_REQUIRED_PARAMETER", "`location_ids` is required.", "location_ids"
            )
        cursor = body.pop("cursor", None)
        query = body.get("query") or {}
        matches = order_matcher(query)
        orders = sort_orders(
            [o for o in store.orders if o["location_id"] in locations and matches(o)],
            query.get("sort") or {},
        )
        key = "order_entries" if body.get("return_entries") else "orders"
        rows = [entry(o) for o in orders] if key == "order_entries" else orders
        return page(key, rows, body.get("limit", 500), cursor, fingerprint(body))

    @app.get("/v2/orders/{order_id}")
    async def retrieve_order(order_id: str) -> dict[str, Any]:
        for order in store.orders:
            if order["id"] == order_id:
                return {"order": order}
        raise SquareApiError(404, "NOT_FOUND", f"Order with ID `{order_id[:64]}` not found.")
