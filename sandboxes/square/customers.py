"""Square's Customers API in the emulator: create, retrieve, update, delete, list, search, bulk.

Every success is 200 (a delete answers `{}`); list and search answer `{}` when nothing
matches and add `count` when asked; a bulk call answers 200 with one entry per key,
each the single call's answer or its `{"errors": [...]}`, and refuses the whole call
only when its body is malformed. An idempotency key, CreateCustomer's field or
BulkCreate's map key alike, returns its first answer to the same request and is
`IDEMPOTENCY_KEY_REUSED` for another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI, Request

from sandboxes.square.bodies import (
    BULK_CREATE,
    BULK_UPDATE,
    CREATE_CUSTOMER,
    CUSTOMER_IDS,
    DELETE_CUSTOMER,
    LIST_CUSTOMERS,
    SEARCH_CUSTOMERS,
    UPDATE_CUSTOMER,
)
from sandboxes.square.errors import SquareApiError
from sandboxes.square.rules import (
    apply,
    check_formats,
    customer_matcher,
    fingerprint,
    has_identity,
    identity_missing,
    listable,
    page,
    sort_customers,
)
from sandboxes.square.shapes import read_body, read_query
from sandboxes.square.store import SquareStore, now

IDEMPOTENCY_SCOPE = "customer"


def customer_routes(app: FastAPI, store: SquareStore) -> None:
    """Added to the app itself, so the sandbox counters see each route's template."""

    def create(data: dict[str, Any], key: str | None) -> dict[str, Any]:
        request_print = fingerprint(data)
        if key is not None:
            seen = store.remembered(IDEMPOTENCY_SCOPE, key, request_print)
            if seen is not None:
                return seen
        check_formats(data)
        if not has_identity(data):
            raise identity_missing()
        stamp = now()
        customer: dict[str, Any] = {
            "id": store.new_id(),
            "created_at": stamp,
            "updated_at": stamp,
            "preferences": {"email_unsubscribed": False},
            "creation_source": "THIRD_PARTY",
            "version": 0,
        }
        apply(customer, data)
        store.customers[customer["id"]] = customer
        answer = {"customer": customer}
        if key is not None:
            store.remember(IDEMPOTENCY_SCOPE, key, request_print, answer)
        return answer

    def update(customer_id: str, data: dict[str, Any]) -> dict[str, Any]:
        customer = store.get(customer_id)
        version = data.pop("version", None)
        check_formats(data)
        if version is not None and version != customer["version"]:
            raise SquareApiError(
                409, "CONFLICT", "Customer version mismatch: the customer has changed.", "version"
            )
        apply(customer, data)
        customer["version"] += 1
        customer["updated_at"] = now()
        return {"customer": customer}

    def delete(customer_id: str, version: int | None) -> dict[str, Any]:
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

    def each(keys: Iterable[str], act: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
        """One answer per key: the single call's body, or its error envelope."""
        responses: dict[str, Any] = {}
        for key in keys:
            try:
                responses[key] = act(key)
            except SquareApiError as exc:
                responses[key] = exc.body()
        return {"responses": responses}

    @app.post("/v2/customers")
    async def create_customer(request: Request) -> dict[str, Any]:
        body = await read_body(request, CREATE_CUSTOMER)
        key = body.pop("idempotency_key", None)
        return create(body, key)

    @app.get("/v2/customers")
    async def list_customers(request: Request) -> dict[str, Any]:
        params = read_query(request.query_params, LIST_CUSTOMERS)
        field, order = params.get("sort_field", "DEFAULT"), params.get("sort_order", "ASC")
        customers = sort_customers(
            [c for c in store.customers.values() if listable(c)], field, order
        )
        result = page(
            "customers",
            customers,
            params.get("limit", 100),
            params.get("cursor"),
            f"list:{field}:{order}",
        )
        if params.get("count"):
            result["count"] = len(customers)
        return result

    @app.post("/v2/customers/search")
    async def search_customers(request: Request) -> dict[str, Any]:
        body = await read_body(request, SEARCH_CUSTOMERS)
        cursor = body.pop("cursor", None)
        query = body.get("query") or {}
        sort = query.get("sort") or {}
        matches = customer_matcher(query.get("filter"))
        customers = sort_customers(
            [c for c in store.customers.values() if listable(c) and matches(c)],
            sort.get("field"),
            sort.get("order"),
        )
        result = page("customers", customers, body.get("limit", 100), cursor, fingerprint(body))
        if body.get("count"):
            result["count"] = len(customers)
        return result

    @app.post("/v2/customers/bulk-create")
    async def bulk_create(request: Request) -> dict[str, Any]:
        customers = (await read_body(request, BULK_CREATE))["customers"]
        return each(customers, lambda key: create(customers[key], key))

    @app.post("/v2/customers/bulk-retrieve")
    async def bulk_retrieve(request: Request) -> dict[str, Any]:
        ids = (await read_body(request, CUSTOMER_IDS))["customer_ids"]
        return each(dict.fromkeys(ids), lambda i: {"customer": store.get(i)})

    @app.post("/v2/customers/bulk-update")
    async def bulk_update(request: Request) -> dict[str, Any]:
        customers = (await read_body(request, BULK_UPDATE))["customers"]
        return each(customers, lambda i: update(i, customers[i]))

    @app.post("/v2/customers/bulk-delete")
    async def bulk_delete(request: Request) -> dict[str, Any]:
        ids = (await read_body(request, CUSTOMER_IDS))["customer_ids"]
        return each(dict.fromkeys(ids), lambda i: delete(i, None))

    @app.get("/v2/customers/{customer_id}")
    async def retrieve_customer(customer_id: str) -> dict[str, Any]:
        return {"customer": store.get(customer_id)}

    @app.put("/v2/customers/{customer_id}")
    async def update_customer(customer_id: str, request: Request) -> dict[str, Any]:
        store.get(customer_id)
        return update(customer_id, await read_body(request, UPDATE_CUSTOMER))

    @app.delete("/v2/customers/{customer_id}")
    async def delete_customer(customer_id: str, request: Request) -> dict[str, Any]:
        params = read_query(request.query_params, DELETE_CUSTOMER)
        return delete(customer_id, params.get("version"))
