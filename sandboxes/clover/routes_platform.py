"""Platform REST API v3 routes of the Clover sandbox: `/v3/merchants/{mId}/customers...`.

Follows clover.md and the rulings: list with `limit`/`offset` (100 by default,
1000 at most), repeated `filter=`, at most three `expand` values per call (400
beyond); update is `POST` and changes only the fields sent (`null` clears;
`metadata` is taken whole; nested lists are refused: they have sub-resources);
PUT and PATCH answer 405; delete is soft (`deletedTime`): GET answers 404 and the
list hides the row unless a `deletedTime` filter asks for it. A query parameter a
customer route does not document is refused (400), never ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from sandboxes.clover.errors import PlatformError, platform_bad_body
from sandboxes.clover.rules import (
    check_text,
    nested_list,
    validate_address,
    validate_email,
    validate_metadata,
    validate_phone,
)
from sandboxes.clover.store import EXPANDABLE, FILTER_FIELDS, CloverStore, now_ms
from sandboxes.kit import int_param, json_object

PREFIX = "/v3/merchants/{mId}"
MAX_EXPAND = 3
SINGLE_PARAMS = frozenset({"expand", "access_token"})
LIST_PARAMS = SINGLE_PARAMS | {"filter", "limit", "offset"}
LIST_DEFAULT = 100
LIST_MAX = 1000
SUB_RESOURCES: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "email_addresses": ("emailAddresses", validate_email),
    "phone_numbers": ("phoneNumbers", validate_phone),
    "addresses": ("addresses", validate_address),
}


def expansions(request: Request, *, single: bool) -> list[str]:
    """`expand` values, comma-joined or repeated; more than three is refused. Query
    parameters a customer route does not document are refused too, not ignored."""
    allowed = SINGLE_PARAMS if single else LIST_PARAMS
    unknown_params = [name for name in request.query_params if name not in allowed]
    if unknown_params:
        raise PlatformError(400, f"Unknown query parameter: {unknown_params[0]}")
    found: list[str] = []
    for value in request.query_params.getlist("expand"):
        for part in value.split(","):
            name = part.strip()
            if name and name not in found:
                found.append(name)
    allowed = EXPANDABLE | ({"orders"} if single else set())
    unknown = [name for name in found if name not in allowed]
    if unknown:
        raise PlatformError(400, f"Invalid expansion: {unknown[0]}")
    if len(found) > MAX_EXPAND:
        raise PlatformError(400, f"Too many expansions: at most {MAX_EXPAND} fields per call")
    return found


def _int(request: Request, name: str, default: int, bounds: tuple[int, int]) -> int:
    return int_param(request.query_params, name, default, bounds, _bad_int)


def _bad_int(name: str, low: int, high: int) -> PlatformError:
    return PlatformError(400, f"Invalid value for {name}: {low} to {high}")


async def _body(request: Request) -> dict[str, Any]:
    return await json_object(request, platform_bad_body, required=True)


def _base(request: Request) -> str:
    """The host and mount the request came through, for `href`s."""
    return str(request.url).split("/v3/", 1)[0]


def routes(app: FastAPI, store: CloverStore) -> None:
    """Added to the app itself, so the sandbox counters see each route's template."""

    def merchant(m_id: str) -> None:
        if m_id != store.merchant_id:
            raise PlatformError(401, "401 Unauthorized")

    def render(request: Request, customer: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        out = store.render(customer, expand, _base(request))
        if "orders" in expand:
            out["orders"] = {
                "elements": [
                    {"id": o["id"]} for o in store.orders if o["customer"] == customer["id"]
                ]
            }
        return out

    @app.get(PREFIX + "/customers")
    async def list_customers(mId: str, request: Request) -> JSONResponse:
        merchant(mId)
        expand = expansions(request, single=False)
        limit = _int(request, "limit", LIST_DEFAULT, (1, LIST_MAX))
        offset = _int(request, "offset", 0, (0, 2**31))
        rows = store.listed(request.query_params.getlist("filter"))[offset : offset + limit]
        return JSONResponse(
            {"elements": [render(request, c, expand) for c in rows], "href": str(request.url)},
            headers={"X-Clover-Allowed-Filter-Fields": ",".join(FILTER_FIELDS)},
        )

    @app.post(PREFIX + "/customers")
    async def create_customer(mId: str, request: Request) -> dict[str, Any]:
        merchant(mId)
        expand = expansions(request, single=True)
        body = await _body(request)
        for key in ("firstName", "lastName"):
            check_text(body, key, 64)
        since = body.get("customerSince")
        if since is not None and (not isinstance(since, int) or isinstance(since, bool)):
            raise PlatformError(400, "Invalid value for customerSince")
        emails = [validate_email(e) for e in _objects(body, "emailAddresses")]
        phones = [validate_phone(p) for p in _objects(body, "phoneNumbers")]
        addresses = [validate_address(a) for a in _objects(body, "addresses")]
        metadata = validate_metadata(body.get("metadata"))
        customer = store.add_customer(
            {k: body.get(k) for k in ("firstName", "lastName")},
            since if since is not None else now_ms(),
        )
        for key, rows in (
            ("emailAddresses", emails),
            ("phoneNumbers", phones),
            ("addresses", addresses),
        ):
            customer[key] = [{"id": store.new_id(), **row} for row in rows]
        if metadata:
            customer["metadata"] = {**metadata, "modifiedTime": now_ms()}
        return render(request, customer, expand)

    @app.get(PREFIX + "/customers/{customerId}")
    async def get_customer(mId: str, customerId: str, request: Request) -> dict[str, Any]:
        merchant(mId)
        expand = expansions(request, single=True)
        return render(request, store.get(customerId), expand)

    @app.post(PREFIX + "/customers/{customerId}")
    async def update_customer(mId: str, customerId: str, request: Request) -> dict[str, Any]:
        merchant(mId)
        expand = expansions(request, single=True)
        customer = store.get(customerId)
        body = await _body(request)
        for key in ("emailAddresses", "phoneNumbers", "addresses", "cards"):
            if key in body:
                raise PlatformError(400, f"{key} cannot be updated here: use its sub-resource")
        for key in ("firstName", "lastName"):
            check_text(body, key, 64)
        since = body.get("customerSince")
        if since is not None and (not isinstance(since, int) or isinstance(since, bool)):
            raise PlatformError(400, "Invalid value for customerSince")
        metadata = validate_metadata(body.get("metadata")) if "metadata" in body else None
        for key in ("firstName", "lastName"):
            if key in body:
                customer[key] = body[key]
        if since is not None:
            customer["customerSince"] = since
        if "metadata" in body:
            customer["metadata"] = {**metadata, "modifiedTime": now_ms()} if metadata else None
        return render(request, customer, expand)

    @app.delete(PREFIX + "/customers/{customerId}")
    async def delete_customer(mId: str, customerId: str) -> Response:
        merchant(mId)
        store.get(customerId)["deletedTime"] = now_ms()
        return Response(status_code=200)

    for resource, (key, validate) in SUB_RESOURCES.items():
        _sub_resource_routes(
            app, store, merchant=merchant, resource=resource, key=key, validate=validate
        )


def _objects(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    rows = nested_list(body, key)
    if not all(isinstance(row, dict) for row in rows):
        raise PlatformError(400, f"Invalid value for {key}: expected objects")
    return rows


def _sub_resource_routes(
    app: FastAPI,
    store: CloverStore,
    *,
    merchant: Callable[[str], None],
    resource: str,
    key: str,
    validate: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    """Create, update and delete for one nested list of a customer.

    Email and phone updates change only what is sent; an address update replaces
    the address whole, as Clover validates its required fields on every write.
    """
    whole = key == "addresses"

    def find(customer: dict[str, Any], item_id: str) -> dict[str, Any]:
        items: list[dict[str, Any]] = customer[key]
        item = next((i for i in items if i["id"] == item_id), None)
        if item is None:
            raise PlatformError(404, "Not Found", f"{resource} not found")
        return item

    def primary_only(customer: dict[str, Any], item: dict[str, Any]) -> None:
        if key == "emailAddresses" and item.get("primaryEmail"):
            for other in customer[key]:
                if other is not item:
                    other.pop("primaryEmail", None)

    async def create(mId: str, customerId: str, request: Request) -> dict[str, Any]:
        merchant(mId)
        customer = store.get(customerId)
        item = {"id": store.new_id(), **validate(await _body(request))}
        customer[key].append(item)
        primary_only(customer, item)
        return {**item, "customer": {"id": customerId}}

    async def update(mId: str, customerId: str, itemId: str, request: Request) -> dict[str, Any]:
        merchant(mId)
        customer = store.get(customerId)
        item = find(customer, itemId)
        body = await _body(request)
        changed = validate(body if whole else {**item, **body})
        item.clear()
        item.update({"id": itemId, **changed})
        primary_only(customer, item)
        return {**item, "customer": {"id": customerId}}

    async def delete(mId: str, customerId: str, itemId: str) -> Response:
        merchant(mId)
        customer = store.get(customerId)
        customer[key].remove(find(customer, itemId))
        return Response(status_code=200)

    path = f"{PREFIX}/customers/{{customerId}}/{resource}"
    app.add_api_route(path, create, methods=["POST"], name=f"create_{resource}")
    app.add_api_route(f"{path}/{{itemId}}", update, methods=["POST"], name=f"update_{resource}")
    app.add_api_route(f"{path}/{{itemId}}", delete, methods=["DELETE"], name=f"delete_{resource}")
