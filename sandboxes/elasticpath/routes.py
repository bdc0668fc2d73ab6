"""The Elastic Path emulator's routes: OAuth tokens, customers, customer tokens, addresses, orders.

- `POST /oauth/access_token` takes a form-encoded `client_credentials` grant (client id
  and secret) or `implicit` grant (client id) and answers the flat token object.
- Listing customers needs client_credentials. An implicit token reaches a customer,
  its addresses and its orders only together with that customer's
  `X-Moltin-Customer-Token`; a customer token used on another customer's record is
  403. Creating a customer is allowed with either grant (the create docs do it with
  implicit).
- `POST /v2/customers/tokens` logs a customer in with email and password (200, a JWT
  valid 24 h); wrong credentials are 401. Only the password mechanism is emulated.
- Customers: create 201, PUT partial, DELETE 204; `password` is stored hashed and
  read back as a boolean; a duplicate email (case-insensitive) on create or update is
  409 `Duplicate email`. Addresses: unlimited per customer, create 200, PUT partial,
  DELETE 204.
- Lists: `page[limit]` 1..100 (default 25), `page[offset]` 0..10000,
  `page[total_method]` `exact` or `observed` (both counted exactly here), `sort` with
  `-` for descending, the filter language of `filters.py` on the documented attributes
  (`EP-Disable-Beta-Filtering: true` for the classic language only), `links`,
  `meta.page`, `meta.results`. Orders are read-only here; filtering them on products
  is refused (the sandbox keeps no order items).
- An address write may omit `type` (the addresses spec defaults it to `address`); a
  customer write must name it.

Sandbox control surface (not Elastic Path API, no auth): `POST /_tokens/expire`
expires every access token issued so far; `PUT /_tokens/lifetime` with
`{"seconds": n}` sets the lifetime of the tokens issued from then on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request, Response

from sandboxes.elasticpath.errors import ApiError, bad_body, forbidden
from sandboxes.elasticpath.filters import (
    CUSTOMER_FILTERS,
    ORDER_FILTERS,
    UNPARSABLE,
    Attribute,
    NotHeld,
    Unparsable,
    compile_filter,
)
from sandboxes.elasticpath.rules import apply, check_address, check_customer, data_of
from sandboxes.elasticpath.store import (
    ADDRESS_FIELDS,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    ElasticPathStore,
    customer_values,
    now,
    order_values,
    render_address,
    render_customer,
)
from sandboxes.kit import int_param, json_object

PAGE_LIMIT_DEFAULT = 25
PAGE_LIMIT_MAX = 100
PAGE_OFFSET_MAX = 10_000
CLIENT_CREDENTIALS = "client_credentials"
IMPLICIT = "implicit"
TOTAL_METHODS = ("exact", "observed")
BETA_OFF_HEADER = "ep-disable-beta-filtering"
CUSTOMER_SORTS = ("created_at", "email", "id", "name", "updated_at")
ORDER_SORTS = ("created_at", "payment", "shipping", "status", "updated_at")


def _bad_int(name: str, low: int, high: int) -> ApiError:
    return ApiError(400, "Bad Request", f"{name} must be an integer from {low} to {high}", name)


async def _data(request: Request, kind: str, *, typed: bool = True) -> dict[str, Any]:
    return data_of(await json_object(request, bad_body, required=False), kind, typed=typed)


def _sorted(
    items: list[dict[str, Any]],
    sort: str,
    allowed: Sequence[str],
    value_of: Callable[[dict[str, Any]], Mapping[str, str | None]],
) -> list[dict[str, Any]]:
    field = sort.removeprefix("-")
    if field not in allowed:
        raise ApiError(400, "Bad Request", f"sort must be one of {','.join(allowed)}", "sort")
    return sorted(
        items,
        key=lambda item: (value_of(item).get(field) or "", item["id"]),
        reverse=sort.startswith("-"),
    )


def _filtered(
    request: Request,
    items: list[dict[str, Any]],
    attributes: Mapping[str, Attribute],
    value_of: Callable[[dict[str, Any]], Mapping[str, str | None]],
) -> list[dict[str, Any]]:
    text = request.query_params.get("filter")
    if not text:
        return items
    beta = request.headers.get(BETA_OFF_HEADER, "").strip().lower() != "true"
    try:
        wanted = compile_filter(text, attributes, beta=beta)
    except NotHeld as exc:
        raise ApiError(
            400, "Bad Request", f"This sandbox keeps no data to filter on {exc}", "filter"
        ) from exc
    except Unparsable as exc:
        raise ApiError(400, "Bad Request", UNPARSABLE) from exc
    return [item for item in items if wanted(value_of(item))]


def _listing(request: Request, items: list[dict[str, Any]]) -> tuple[list[Any], dict[str, Any]]:
    """One page of `items`, and the `links` and `meta` Elastic Path sends with it."""
    params = request.query_params
    limit = int_param(params, "page[limit]", PAGE_LIMIT_DEFAULT, (1, PAGE_LIMIT_MAX), _bad_int)
    offset = int_param(params, "page[offset]", 0, (0, PAGE_OFFSET_MAX), _bad_int)
    method = params.get("page[total_method]", "exact")
    if method not in TOTAL_METHODS:
        raise ApiError(
            400,
            "Bad Request",
            f"page[total_method] must be one of {','.join(TOTAL_METHODS)}",
            "page[total_method]",
        )
    total = len(items)
    pages = math.ceil(total / limit)
    last = max(pages - 1, 0) * limit

    def link(at: int | None) -> str | None:
        if at is None:
            return None
        return str(request.url.include_query_params(**{"page[offset]": at, "page[limit]": limit}))

    envelope = {
        "links": {
            "current": link(offset),
            "first": link(0),
            "last": link(last),
            "next": link(offset + limit) if offset + limit < total else None,
            "prev": link(max(offset - limit, 0)) if offset > 0 else None,
        },
        "meta": {
            "page": {
                "limit": limit,
                "offset": offset,
                "current": offset // limit + 1,
                "total": pages,
            },
            "results": {"total": total},
        },
    }
    return items[offset : offset + limit], envelope


def routes(app: FastAPI, store: ElasticPathStore) -> None:
    """Added to the app itself, so the sandbox counters see each route's template."""

    def reach(request: Request, customer_id: str) -> None:
        """The customer's own token, or client_credentials without a customer token."""
        shopper = request.state.shopper
        if shopper is not None and shopper != customer_id:
            raise forbidden()
        if shopper is None and request.state.grant != CLIENT_CREDENTIALS:
            raise forbidden()

    def base(request: Request) -> str:
        return str(request.base_url)

    @app.post("/oauth/access_token")
    async def access_token(request: Request) -> dict[str, Any]:
        if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            raise ApiError(400, "Bad Request", "Use application/x-www-form-urlencoded")
        try:
            text = (await request.body()).decode()
        except UnicodeDecodeError:
            raise ApiError(400, "Bad Request", "The form body is not UTF-8") from None
        form = {k: v[0] for k, v in parse_qs(text).items()}
        grant = form.get("grant_type")
        if grant not in {CLIENT_CREDENTIALS, IMPLICIT}:
            raise ApiError(400, "Bad Request", "grant_type must be client_credentials or implicit")
        if form.get("client_id") != DEMO_CLIENT_ID or (
            grant == CLIENT_CREDENTIALS and form.get("client_secret") != DEMO_CLIENT_SECRET
        ):
            raise ApiError(401, "Unauthorized")
        return store.issue(grant)

    @app.post("/_tokens/expire", status_code=204)
    async def expire_tokens() -> Response:
        store.expire_tokens()
        return Response(status_code=204)

    @app.put("/_tokens/lifetime")
    async def token_lifetime(request: Request) -> dict[str, int]:
        body = await json_object(request, bad_body, required=False)
        seconds = body.get("seconds")
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
            raise ApiError(400, "Bad Request", "seconds must be a non-negative integer")
        store.token_lifetime_s = seconds
        return {"seconds": seconds}

    @app.post("/v2/customers/tokens")
    async def customer_token(request: Request) -> dict[str, Any]:
        data = await _data(request, "token")
        mechanism = data.get("authentication_mechanism", "password")
        if mechanism != "password":
            raise ApiError(400, "Bad Request", "Only the password mechanism is configured")
        email, password = data.get("email"), data.get("password")
        if not isinstance(email, str) or not isinstance(password, str):
            raise ApiError(400, "required", "email and password are required", "data.email")
        wanted = email.strip().lower()
        customer = next((c for c in store.customers.values() if c["email"].lower() == wanted), None)
        if customer is None or not store.password_matches(customer["password_hash"], password):
            raise ApiError(401, "Unauthorized", "Invalid email or password")
        return {"data": store.customer_token(customer)}

    @app.post("/v2/customers", status_code=201)
    async def create_customer(request: Request) -> dict[str, Any]:
        data = await _data(request, "customer")
        check_customer(data, creating=True, customer_id=None)
        if store.email_taken(data["email"]):
            raise ApiError(409, "Duplicate email", "A customer with this email already exists")
        stamp = now()
        customer: dict[str, Any] = {
            "id": store.new_id(),
            "name": data["name"],
            "email": data["email"],
            "external_ref": data.get("external_ref"),
            "password_hash": store.hash_password(data["password"])
            if data.get("password")
            else None,
            "created_at": stamp,
            "updated_at": stamp,
        }
        store.customers[customer["id"]] = customer
        store.addresses[customer["id"]] = {}
        return {"data": render_customer(customer)}

    @app.get("/v2/customers")
    async def list_customers(request: Request) -> dict[str, Any]:
        if request.state.grant != CLIENT_CREDENTIALS:
            raise forbidden()
        customers = _filtered(
            request, list(store.customers.values()), CUSTOMER_FILTERS, customer_values
        )
        customers = _sorted(
            customers,
            request.query_params.get("sort", "-created_at"),
            CUSTOMER_SORTS,
            customer_values,
        )
        page, envelope = _listing(request, customers)
        return {"data": [render_customer(c) for c in page], **envelope}

    @app.get("/v2/customers/{customer_id}")
    async def get_customer(request: Request, customer_id: str) -> dict[str, Any]:
        reach(request, customer_id)
        return {"data": render_customer(store.customer(customer_id))}

    @app.put("/v2/customers/{customer_id}")
    async def update_customer(request: Request, customer_id: str) -> dict[str, Any]:
        reach(request, customer_id)
        customer = store.customer(customer_id)
        data = await _data(request, "customer")
        check_customer(data, creating=False, customer_id=customer_id)
        if isinstance(data.get("email"), str) and store.email_taken(data["email"], customer_id):
            raise ApiError(409, "Duplicate email", "A customer with this email already exists")
        for key in ("name", "email", "external_ref"):
            if key in data:
                customer[key] = data[key]
        if "password" in data:
            password = data["password"]
            customer["password_hash"] = store.hash_password(password) if password else None
        customer["updated_at"] = now()
        return {"data": render_customer(customer)}

    @app.delete("/v2/customers/{customer_id}", status_code=204)
    async def delete_customer(request: Request, customer_id: str) -> Response:
        reach(request, customer_id)
        store.customer(customer_id)
        del store.customers[customer_id]
        store.addresses.pop(customer_id, None)
        return Response(status_code=204)

    @app.get("/v2/customers/{customer_id}/addresses")
    async def list_addresses(request: Request, customer_id: str) -> dict[str, Any]:
        reach(request, customer_id)
        store.customer(customer_id)
        stored = sorted(
            store.addresses.get(customer_id, {}).values(),
            key=lambda a: (a["created_at"], a["id"]),
        )
        return {"data": [render_address(base(request), customer_id, a) for a in stored]}

    @app.post("/v2/customers/{customer_id}/addresses")
    async def create_address(request: Request, customer_id: str) -> dict[str, Any]:
        reach(request, customer_id)
        store.customer(customer_id)
        data = await _data(request, "address", typed=False)
        check_address(data, None)
        if "id" in data:
            raise ApiError(400, "Bad Request", "id cannot be set", "data.id")
        stamp = now()
        address: dict[str, Any] = {"id": store.new_id(), "created_at": stamp, "updated_at": stamp}
        apply(address, data, ADDRESS_FIELDS)
        store.addresses.setdefault(customer_id, {})[address["id"]] = address
        return {"data": render_address(base(request), customer_id, address)}

    @app.get("/v2/customers/{customer_id}/addresses/{address_id}")
    async def get_address(request: Request, customer_id: str, address_id: str) -> dict[str, Any]:
        reach(request, customer_id)
        address = store.address(customer_id, address_id)
        return {"data": render_address(base(request), customer_id, address)}

    @app.put("/v2/customers/{customer_id}/addresses/{address_id}")
    async def update_address(request: Request, customer_id: str, address_id: str) -> dict[str, Any]:
        reach(request, customer_id)
        address = store.address(customer_id, address_id)
        data = await _data(request, "address", typed=False)
        check_address(data, address_id)
        apply(address, data, ADDRESS_FIELDS)
        address["updated_at"] = now()
        return {"data": render_address(base(request), customer_id, address)}

    @app.delete("/v2/customers/{customer_id}/addresses/{address_id}", status_code=204)
    async def delete_address(request: Request, customer_id: str, address_id: str) -> Response:
        reach(request, customer_id)
        store.address(customer_id, address_id)
        del store.addresses[customer_id][address_id]
        return Response(status_code=204)

    def visible_orders(request: Request) -> list[dict[str, Any]]:
        shopper = request.state.shopper
        if shopper is None and request.state.grant != CLIENT_CREDENTIALS:
            raise forbidden()
        orders = list(store.orders.values())
        if shopper is not None:
            orders = [o for o in orders if order_values(o)["customer_id"] == shopper]
        return orders

    @app.get("/v2/orders")
    async def list_orders(request: Request) -> dict[str, Any]:
        orders = _filtered(request, visible_orders(request), ORDER_FILTERS, order_values)
        orders = _sorted(
            orders, request.query_params.get("sort", "-updated_at"), ORDER_SORTS, order_values
        )
        page, envelope = _listing(request, orders)
        return {"data": page, **envelope}

    @app.get("/v2/orders/{order_id}")
    async def get_order(request: Request, order_id: str) -> dict[str, Any]:
        order = next((o for o in visible_orders(request) if o["id"] == order_id), None)
        if order is None:
            raise ApiError(404, "Not Found", "order not found")
        return {"data": order}
