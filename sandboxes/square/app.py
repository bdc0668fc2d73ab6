"""Square emulator: Customers, Cards, Locations and SearchOrders in Square's wire format.

Follows shared/providers/square.md and its rulings: Bearer auth; every success is
200 (DELETE answers `{}`); errors are `{"errors": [{category, code, detail, field}]}`
with the status of the first; sparse updates where `null` (or `""`, `{}` on the
address) clears; the address is replaced whole; `version` is checked on update and
delete with 409 `CONFLICT`; search answers `{}` when nothing matches; bulk-retrieve
takes at most 100 ids; SearchOrders takes at most 10 customer ids and needs
`location_ids`. The test nonce `cnon:card-nonce-ok` is reusable; any other `cnon:`
nonce is single-use (`SOURCE_USED` on reuse).
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from gateway.config import SandboxSettings
from gateway.model import ProviderName
from sandboxes.seed import Person

DEMO_ACCESS_TOKEN = "sandbox-square-access-token"
LOCATION_ID = "LSANDBOX0MAIN"
REUSABLE_NONCE = "cnon:card-nonce-ok"

WRITABLE = {
    "given_name": 300,
    "family_name": 300,
    "nickname": 100,
    "company_name": 500,
    "email_address": 254,
    "phone_number": 32,
    "reference_id": 100,
    "note": 4000,
    "birthday": 10,
}
ADDRESS_FIELDS = {
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "locality",
    "sublocality",
    "administrative_district_level_1",
    "administrative_district_level_2",
    "postal_code",
    "country",
    "first_name",
    "last_name",
}
IDENTITY = ("given_name", "family_name", "company_name", "email_address", "phone_number")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BIRTHDAY_RE = re.compile(r"^(?:(\d{4})-)?(\d{2})-(\d{2})$")
ORDER_STATES = {"COMPLETED": "COMPLETED", "OPEN": "OPEN", "CANCELED": "CANCELED"}


class SquareApiError(Exception):
    def __init__(self, status: int, code: str, detail: str, field: str | None = None) -> None:
        category = {
            401: "AUTHENTICATION_ERROR",
            429: "RATE_LIMIT_ERROR",
        }.get(status, "API_ERROR" if status >= 500 else "INVALID_REQUEST_ERROR")
        self.status = status
        self.error: dict[str, str] = {"category": category, "code": code, "detail": detail}
        if field:
            self.error["field"] = field


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(value: str, field: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SquareApiError(400, "INVALID_TIME", f"Invalid time `{value}`.", field) from exc


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _encode_cursor(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


def _decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise SquareApiError(400, "INVALID_CURSOR", "The cursor is invalid.", "cursor") from exc
    if not isinstance(state, dict):
        raise SquareApiError(400, "INVALID_CURSOR", "The cursor is invalid.", "cursor")
    return state


class SquareStore:
    """In-memory state of one Square seller account."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.customers: dict[str, dict[str, Any]] = {}
        self.cards: dict[str, dict[str, Any]] = {}
        self.orders: list[dict[str, Any]] = []
        self.idempotency: dict[str, tuple[str, dict[str, Any]]] = {}
        self.used_nonces: set[str] = set()

    def new_id(self, length: int = 26) -> str:
        alphabet = "ABCDEFGHJKMNPQRSTVWXYZ0123456789"
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def load(self, people: Sequence[Person]) -> None:
        for person in people:
            provider = ProviderName.SQUARE
            created = _iso(person.created_in(provider))
            address = person.addresses[0]
            customer: dict[str, Any] = {
                "id": self.new_id(),
                "created_at": created,
                "updated_at": created,
                "given_name": person.given_name,
                "family_name": person.family_name,
                "email_address": person.email_in(provider),
                "phone_number": person.phone_in(provider),
                "address": {
                    k: v
                    for k, v in {
                        "address_line_1": address.line1,
                        "address_line_2": address.line2,
                        "locality": address.city,
                        "administrative_district_level_1": address.region,
                        "postal_code": address.postal_code,
                        "country": address.country,
                    }.items()
                    if v is not None
                },
                "reference_id": person.key,
                "preferences": {"email_unsubscribed": False},
                "creation_source": "THIRD_PARTY",
                "version": 0,
            }
            if person.company_name:
                customer["company_name"] = person.company_name
            if person.birthday:
                customer["birthday"] = person.birthday
            self.customers[customer["id"]] = customer
            for card in person.cards:
                self._add_card(
                    customer["id"], card.brand, card.last4, card.exp_month, card.exp_year
                )
            for order in person.orders:
                stamp = _iso(order.created_at)
                self.orders.append(
                    {
                        "id": self.new_id(24),
                        "location_id": LOCATION_ID,
                        "customer_id": customer["id"],
                        "state": ORDER_STATES[order.state],
                        "total_money": {"amount": order.amount, "currency": order.currency},
                        "created_at": stamp,
                        "updated_at": stamp,
                        "version": 1,
                    }
                )

    def _add_card(
        self, customer_id: str, brand: str, last4: str, exp_month: int, exp_year: int
    ) -> dict[str, Any]:
        card: dict[str, Any] = {
            "id": f"ccof:{self.new_id(16)}",
            "card_brand": brand,
            "last_4": last4,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "customer_id": customer_id,
            "merchant_id": "MSANDBOX",
            "enabled": True,
            "card_type": "CREDIT",
            "prepaid_type": "NOT_PREPAID",
            "bin": "411111",
            "version": 1,
            "created_at": _now(),
        }
        self.cards[card["id"]] = card
        return card

    def get(self, customer_id: str) -> dict[str, Any]:
        customer = self.customers.get(customer_id)
        if customer is None:
            raise SquareApiError(404, "NOT_FOUND", f"Customer with ID `{customer_id}` not found.")
        return customer

    def validate_fields(self, body: dict[str, Any], allowed: set[str]) -> None:
        for key in body:
            if key not in allowed:
                raise SquareApiError(
                    400, "UNKNOWN_BODY_PARAMETER", f"Unknown body parameter `{key}`.", key
                )
        for key, limit in WRITABLE.items():
            value = body.get(key)
            if value is None or value == "":
                continue
            if not isinstance(value, str):
                raise SquareApiError(
                    400, "EXPECTED_STRING", f"Expected `{key}` to be a string.", key
                )
            if len(value) > limit:
                raise SquareApiError(400, "VALUE_TOO_LONG", f"`{key}` is too long.", key)
        email = body.get("email_address")
        if email and not EMAIL_RE.match(email):
            raise SquareApiError(
                400, "INVALID_EMAIL_ADDRESS", "The email address is invalid.", "email_address"
            )
        phone = body.get("phone_number")
        if phone and not (re.fullmatch(r"[+\d\s().-]+", phone) and 9 <= len(_digits(phone)) <= 16):
            raise SquareApiError(
                400, "INVALID_PHONE_NUMBER", "The phone number is invalid.", "phone_number"
            )
        birthday = body.get("birthday")
        if birthday:
            match = BIRTHDAY_RE.match(birthday)
            if not match or not (1 <= int(match[2]) <= 12 and 1 <= int(match[3]) <= 31):
                raise SquareApiError(400, "INVALID_TIME", "The birthday is invalid.", "birthday")
            body["birthday"] = f"{match[1] or '0000'}-{match[2]}-{match[3]}"
        address = body.get("address")
        if address is not None and address != "":
            if not isinstance(address, dict):
                raise SquareApiError(
                    400, "EXPECTED_OBJECT", "Expected an address object.", "address"
                )
            for key in address:
                if key not in ADDRESS_FIELDS:
                    raise SquareApiError(
                        400, "UNKNOWN_BODY_PARAMETER", f"Unknown address field `{key}`.", key
                    )
            country = address.get("country")
            if country is not None and not re.fullmatch(r"[A-Z]{2}", str(country)):
                raise SquareApiError(
                    400, "INVALID_ENUM_VALUE", "`country` is not a valid country.", "country"
                )


def _apply(customer: dict[str, Any], body: dict[str, Any]) -> None:
    """A sparse write: `null` or `""` clears a field; the address is replaced whole."""
    for key, value in body.items():
        if key == "address":
            cleaned = (
                {k: v for k, v in value.items() if v not in (None, "")}
                if isinstance(value, dict)
                else {}
            )
            if cleaned:
                customer["address"] = cleaned
            else:
                customer.pop("address", None)
        elif value is None or value == "":
            customer.pop(key, None)
        else:
            customer[key] = value


def _matches_text(value: str | None, condition: dict[str, str], field: str) -> bool:
    if "exact" in condition and "fuzzy" in condition:
        raise SquareApiError(400, "INVALID_VALUE", "Use exact or fuzzy, not both.", field)
    if value is None:
        return False
    if "exact" in condition:
        if field == "phone_number":
            return _digits(value) == _digits(condition["exact"])
        return value.lower() == condition["exact"].lower()
    tokens = re.split(r"[\s._@+()-]+", condition.get("fuzzy", "").lower())
    haystack = value.lower()
    return all(token in haystack for token in tokens if token)


def _search_filter(customer: dict[str, Any], flt: dict[str, Any]) -> bool:
    for field in ("email_address", "phone_number", "reference_id"):
        if field in flt and not _matches_text(customer.get(field), flt[field], field):
            return False
    if "created_at" in flt:
        created = _parse_time(customer["created_at"], "created_at")
        start, end = flt["created_at"].get("start_at"), flt["created_at"].get("end_at")
        if start and created < _parse_time(start, "start_at"):
            return False
        if end and created > _parse_time(end, "end_at"):
            return False
    return True


def _page(
    items: list[dict[str, Any]], limit: Any, cursor: str | None, body_hash: str
) -> tuple[list[dict[str, Any]], str | None]:
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise SquareApiError(400, "EXPECTED_INTEGER", "Expected `limit` to be an integer.", "limit")
    if limit < 1:
        raise SquareApiError(400, "VALUE_TOO_LOW", "`limit` must be at least 1.", "limit")
    if limit > 100:
        raise SquareApiError(400, "VALUE_TOO_HIGH", "`limit` must be at most 100.", "limit")
    offset = 0
    if cursor:
        state = _decode_cursor(cursor)
        if state.get("h") != body_hash or not isinstance(state.get("o"), int):
            raise SquareApiError(400, "INVALID_CURSOR", "The cursor is invalid.", "cursor")
        offset = state["o"]
    page = items[offset : offset + limit]
    more = offset + limit < len(items)
    return page, (_encode_cursor({"o": offset + limit, "h": body_hash}) if more else None)


def _listable(customer: dict[str, Any]) -> bool:
    return any(customer.get(field) for field in IDENTITY)


def _sort_customers(
    customers: list[dict[str, Any]], field: str, order: str
) -> list[dict[str, Any]]:
    if field == "CREATED_AT":
        key = lambda c: (c["created_at"], c["id"])  # noqa: E731 - a sort key, read inline
    else:
        key = lambda c: (  # noqa: E731 - a sort key, read inline
            f"{c.get('given_name', '')} {c.get('family_name', '')}".strip().lower()
            or (c.get("company_name") or c.get("email_address") or c.get("phone_number") or ""),
            c["id"],
        )
    return sorted(customers, key=key, reverse=order == "DESC")


def create_sandbox(people: Sequence[Person], settings: SandboxSettings) -> FastAPI:
    """The Square emulator app, seeded with `people`."""
    store = SquareStore(settings.seed)
    store.load(people)
    app = FastAPI(title="Square sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store

    @app.exception_handler(SquareApiError)
    async def square_error(_: Request, exc: SquareApiError) -> JSONResponse:
        return JSONResponse({"errors": [exc.error]}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        field = str(first.get("loc", ("", ""))[-1])
        error = SquareApiError(400, "INVALID_VALUE", f"Invalid value for `{field}`.", field)
        return JSONResponse({"errors": [error.error]}, status_code=400)

    @app.middleware("http")
    async def require_bearer(request: Request, call_next: Any) -> Any:
        if request.headers.get("authorization") != f"Bearer {DEMO_ACCESS_TOKEN}":
            return JSONResponse(
                {
                    "errors": [
                        {
                            "category": "AUTHENTICATION_ERROR",
                            "code": "UNAUTHORIZED",
                            "detail": "This request could not be authorized.",
                        }
                    ]
                },
                status_code=401,
            )
        return await call_next(request)

    async def body_of(request: Request) -> dict[str, Any]:
        try:
            body = await request.json() if await request.body() else {}
        except ValueError as exc:
            raise SquareApiError(400, "INVALID_CONTENT_TYPE", "The body is not JSON.") from exc
        if not isinstance(body, dict):
            raise SquareApiError(400, "EXPECTED_OBJECT", "The body must be a JSON object.")
        return body

    @app.post("/v2/customers")
    async def create_customer(request: Request) -> dict[str, Any]:
        body = await body_of(request)
        key = body.pop("idempotency_key", None)
        fingerprint = json.dumps(body, sort_keys=True)
        if key is not None:
            seen = store.idempotency.get(key)
            if seen is not None:
                if seen[0] != fingerprint:
                    raise SquareApiError(
                        400,
                        "IDEMPOTENCY_KEY_REUSED",
                        "The idempotency key was used with a different request.",
                        "idempotency_key",
                    )
                return seen[1]
        store.validate_fields(body, {*WRITABLE, "address", "tax_ids"})
        if not any(body.get(field) for field in IDENTITY):
            raise SquareApiError(
                400,
                "BAD_REQUEST",
                "At least one of given_name, family_name, company_name, email_address, "
                "or phone_number is required for a customer.",
            )
        stamp = _now()
        customer: dict[str, Any] = {
            "id": store.new_id(),
            "created_at": stamp,
            "updated_at": stamp,
            "preferences": {"email_unsubscribed": False},
            "creation_source": "THIRD_PARTY",
            "version": 0,
        }
        _apply(customer, body)
        store.customers[customer["id"]] = customer
        response = {"customer": customer}
        if key is not None:
            store.idempotency[key] = (fingerprint, response)
        return response

    @app.get("/v2/customers")
    async def list_customers(
        cursor: str | None = None,
        limit: int = 100,
        sort_field: str = "DEFAULT",
        sort_order: str = "ASC",
    ) -> dict[str, Any]:
        customers = _sort_customers(
            [c for c in store.customers.values() if _listable(c)], sort_field, sort_order
        )
        page, next_cursor = _page(customers, limit, cursor, f"list:{sort_field}:{sort_order}")
        result: dict[str, Any] = {"customers": page} if page else {}
        if next_cursor:
            result["cursor"] = next_cursor
        return result

    @app.post("/v2/customers/search")
    async def search_customers(request: Request) -> dict[str, Any]:
        body = await body_of(request)
        cursor = body.pop("cursor", None)
        limit = body.get("limit", 100)
        query = body.get("query") or {}
        flt = query.get("filter") or {}
        sort = query.get("sort") or {}
        customers = [c for c in store.customers.values() if _listable(c) and _search_filter(c, flt)]
        if sort or flt:
            customers = _sort_customers(
                customers, sort.get("field", "DEFAULT"), sort.get("order", "ASC")
            )
        else:
            customers = _sort_customers(customers, "DEFAULT", "ASC")
        body_hash = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
        page, next_cursor = _page(customers, limit, cursor, body_hash)
        if not page:
            return {}
        result: dict[str, Any] = {"customers": page}
        if next_cursor:
            result["cursor"] = next_cursor
        return result

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
        store.validate_fields(body, {*WRITABLE, "address", "tax_ids"})
        if version is not None and version != customer["version"]:
            raise SquareApiError(
                409, "CONFLICT", "Customer version mismatch: the customer has changed.", "version"
            )
        _apply(customer, body)
        customer["version"] += 1
        customer["updated_at"] = _now()
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
        card = store._add_card(customer_id, brand, last4, 12, 2030)
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
        page, next_cursor = _page(
            cards, 25, cursor, f"cards:{customer_id}:{include_disabled}:{sort_order}"
        )
        result: dict[str, Any] = {"cards": page} if page else {}
        if next_cursor:
            result["cursor"] = next_cursor
        return result

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
        body_hash = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
        offset = 0
        if cursor:
            state = _decode_cursor(cursor)
            if state.get("h") != body_hash:
                raise SquareApiError(400, "INVALID_CURSOR", "The cursor is invalid.", "cursor")
            offset = int(state["o"])
        page = orders[offset : offset + limit]
        result: dict[str, Any] = {"orders": page} if page else {}
        if offset + limit < len(orders):
            result["cursor"] = _encode_cursor({"o": offset + limit, "h": body_hash})
        return result

    return app
