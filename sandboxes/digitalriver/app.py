"""Digital River emulator: Customers, Sources, Tax identifiers and Orders, in its wire format.

Follows shared/providers/digitalriver.md and its rulings. Every route wants
`Authorization: Bearer <secret key>` (or Basic `key:`), except `POST /sources`, which
is what DigitalRiver.js calls in the browser with the public key. Errors use the
`{"type", "errors": [{code, parameter, message}]}` envelope, also for malformed
requests and unknown routes. Choices where the docs are silent, per the rulings:
an update replaces `shipping` and `metadata` whole and `null` clears a top-level
field (`enabled` falls back to its default `true`); detaching the default source
clears `defaultSourceId`, and a detached source is `cancelled` for good;
`requestToBeForgotten` goes from false to true once and never back (400
`invalid_parameter`, also for a second `true`); the `email` filter compares
case-insensitively. Besides `POST /sources`, the sources in `TEST_SOURCE_IDS` exist
unattached and chargeable in every fresh sandbox, like a provider's test values.
"""

from __future__ import annotations

import base64
import random
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.config import SandboxSettings
from gateway.model import ProviderName
from sandboxes.digitalriver.rules import (
    ApiError,
    check_create,
    check_update,
    luhn_ok,
    page,
    parse_time,
)
from sandboxes.seed import Person

DEMO_SECRET_KEY = "sk_test_sandbox-digitalriver-secret"
DEMO_PUBLIC_KEY = "pk_test_sandbox-digitalriver-public"
TEST_SOURCE_IDS = (
    "5a1d7c4e-3b8f-4e2a-9c61-0d2f8e7b1a01",
    "5a1d7c4e-3b8f-4e2a-9c61-0d2f8e7b1a02",
    "5a1d7c4e-3b8f-4e2a-9c61-0d2f8e7b1a03",
    "5a1d7c4e-3b8f-4e2a-9c61-0d2f8e7b1a04",
)
_TEST_CARDS = (
    ("Visa", "1111"),
    ("MasterCard", "4444"),
    ("American Express", "0005"),
    ("Discover", "1117"),
)
_BRANDS = {
    "VISA": "Visa",
    "MASTERCARD": "MasterCard",
    "AMERICAN_EXPRESS": "American Express",
    "DISCOVER": "Discover",
}
_ORDER_STATES = {"COMPLETED": "complete", "OPEN": "accepted", "CANCELED": "cancelled"}
_CUSTOMER_ORDER = (
    "id",
    "createdTime",
    "updatedTime",
    "email",
    "shipping",
    "defaultSourceId",
    "sources",
    "taxIdentifiers",
    "taxCertificates",
    "requestToBeForgotten",
    "type",
    "metadata",
    "locale",
    "enabled",
    "liveMode",
)
_LIST_PARAMS = {"limit", "startingAfter", "endingBefore"}
_TIME_PARAM = re.compile(r"^(createdTime|updatedTime)(?:\[(eq|gt|gte|lt|lte)\])?$")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _now() -> str:
    return _iso(datetime.now(UTC))


def _card(brand: str, last4: str, month: int, year: int) -> dict[str, Any]:
    return {
        "brand": brand,
        "expirationMonth": month,
        "expirationYear": year,
        "lastFourDigits": last4,
    }


def _brand(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"34", "37"}:
        return "American Express"
    if number.startswith(("6011", "65")):
        return "Discover"
    return "MasterCard"


class DigitalRiverStore:
    """In-memory state of one Digital River account (test mode)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.customers: dict[str, dict[str, Any]] = {}
        self.attached: dict[str, list[str]] = {}
        self.sources: dict[str, dict[str, Any]] = {}
        self.tax_identifiers: dict[str, dict[str, Any]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self._sequence: dict[str, int] = {}
        for source_id, (brand, last4) in zip(TEST_SOURCE_IDS, _TEST_CARDS, strict=True):
            self.add_source(source_id, _card(brand, last4, 12, 2030))

    def numeric_id(self) -> str:
        return str(self.rng.randint(10**11, 10**12 - 1))

    def unused_customer_id(self) -> str:
        while (candidate := self.numeric_id()) in self.customers:
            continue
        return candidate

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def sequence(self, object_id: str) -> int:
        """Insertion order, to order records created in the same millisecond."""
        return self._sequence.setdefault(object_id, len(self._sequence))

    def load(self, people: Sequence[Person]) -> None:
        provider = ProviderName.DIGITAL_RIVER
        for person in people:
            created = _iso(person.created_in(provider))
            home = person.addresses[0]
            address = {
                "line1": home.line1,
                "line2": home.line2,
                "city": home.city,
                "postalCode": home.postal_code,
                "state": home.region,
                "country": home.country,
            }
            shipping: dict[str, Any] = {
                "name": f"{person.given_name} {person.family_name}",
                "phone": person.phone_in(provider),
                "organization": person.company_name,
                "address": {k: v for k, v in address.items() if v is not None},
            }
            customer: dict[str, Any] = {
                "id": self.numeric_id(),
                "createdTime": created,
                "email": person.email_in(provider),
                "shipping": {k: v for k, v in shipping.items() if v is not None},
                "requestToBeForgotten": False,
                "type": "business" if person.company_name else "individual",
                "locale": "en_US" if person.phone_country == "US" else "en_GB",
                "enabled": int(person.key[1:]) % 17 != 0,
            }
            self.insert(customer)
            for card in person.cards:
                source = self.add_source(
                    self.new_uuid(),
                    _card(
                        _BRANDS.get(card.brand, card.brand),
                        card.last4,
                        card.exp_month,
                        card.exp_year,
                    ),
                    owner={"firstName": person.given_name, "lastName": person.family_name},
                )
                self.attach(customer["id"], source["id"])
            for order in person.orders:
                stamp = _iso(order.created_at)
                order_id = self.numeric_id()
                self.orders[order_id] = {
                    "id": order_id,
                    "createdTime": stamp,
                    "updatedTime": stamp,
                    "customerId": customer["id"],
                    "email": customer["email"],
                    "currency": order.currency,
                    "totalAmount": order.amount / 100,
                    "state": _ORDER_STATES.get(order.state, "accepted"),
                    "requestToBeForgotten": False,
                    "liveMode": False,
                }
                self.sequence(order_id)

    def insert(self, customer: dict[str, Any]) -> None:
        self.customers[customer["id"]] = customer
        self.attached[customer["id"]] = []
        self.sequence(customer["id"])

    def add_source(
        self,
        source_id: str,
        card: dict[str, Any],
        *,
        owner: dict[str, Any] | None = None,
        reusable: bool = True,
    ) -> dict[str, Any]:
        """A chargeable source, as DigitalRiver.js would have created it in the browser."""
        source: dict[str, Any] = {
            "id": source_id,
            "createdTime": _now(),
            "type": "creditCard",
            "reusable": reusable,
            "state": "chargeable",
            "flow": "standard",
            "clientSecret": f"{source_id}_{self.new_uuid()}",
            "creditCard": card,
            "liveMode": False,
        }
        if owner is not None:
            source["owner"] = owner
        self.sources[source_id] = source
        return source

    def customer(self, customer_id: str) -> dict[str, Any]:
        customer = self.customers.get(customer_id)
        if customer is None:
            raise ApiError(404, "not_found", f"Customer '{customer_id}' not found.", "id")
        return customer

    def attach(self, customer_id: str, source_id: str) -> dict[str, Any]:
        customer = self.customer(customer_id)
        source = self.sources.get(source_id)
        if source is None:
            raise ApiError(404, "not_found", f"Source '{source_id}' not found.", "sourceId")
        if source.get("customerId") == customer_id and source["state"] == "chargeable":
            return source
        if source["state"] != "chargeable":
            raise ApiError(
                409, "source_not_chargeable", "The source is not chargeable.", "sourceId"
            )
        if source.get("customerId"):
            raise ApiError(
                409, "source_in_use", "The source is attached to a different customer.", "sourceId"
            )
        if not source["reusable"]:
            raise ApiError(
                409, "nonreusable_source", "Only a reusable source may be attached to a customer."
            )
        source["customerId"] = customer_id
        self.attached[customer_id].append(source_id)
        customer.setdefault("defaultSourceId", source_id)
        return source

    def detach(self, customer_id: str, source_id: str) -> None:
        customer = self.customer(customer_id)
        if source_id not in self.attached[customer_id]:
            raise ApiError(404, "not_found", f"Source '{source_id}' is not attached.", "sourceId")
        self.attached[customer_id].remove(source_id)
        self.sources[source_id]["state"] = "cancelled"
        if customer.get("defaultSourceId") == source_id:
            del customer["defaultSourceId"]

    def render(self, customer: dict[str, Any]) -> dict[str, Any]:
        """The Customer object as the API answers it: empty collections are absent."""
        view = dict(customer)
        attached = self.attached.get(customer["id"], [])
        if attached:
            view["sources"] = [self.sources[s] for s in attached]
        taxes = [t for t in self.tax_identifiers.values() if t.get("customerId") == customer["id"]]
        if taxes:
            view["taxIdentifiers"] = taxes
        view["liveMode"] = False
        return {key: view[key] for key in _CUSTOMER_ORDER if key in view}

    def delete(self, customer_id: str) -> None:
        self.customer(customer_id)
        for source_id in self.attached.pop(customer_id):
            self.sources[source_id]["state"] = "cancelled"
        del self.customers[customer_id]

    def newest_first(self, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(
            items,
            key=lambda item: (
                parse_time(item["createdTime"], "createdTime"),
                self.sequence(item["id"]),
            ),
            reverse=True,
        )


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
            customer.setdefault("taxCertificates", []).append(value)
        elif key == "enabled" and value is None:
            customer["enabled"] = True
        elif value is None:
            customer.pop(key, None)
        else:
            customer[key] = value


def _filters(
    params: list[tuple[str, str]], allowed: set[str]
) -> tuple[dict[str, str], list[str], list[Callable[[dict[str, Any]], bool]]]:
    """Split a list query into paging values, ids, and record predicates."""
    paging: dict[str, str] = {}
    ids: list[str] = []
    predicates: list[Callable[[dict[str, Any]], bool]] = []
    for name, value in params:
        time_match = _TIME_PARAM.match(name)
        if name == "ids":
            ids += [part for part in value.split(",") if part]
        elif name in _LIST_PARAMS:
            paging[name] = value
        elif time_match:
            field, op = time_match[1], time_match[2] or "eq"
            bound = parse_time(value, name)
            predicates.append(_time_predicate(field, op, bound))
        elif name in allowed:
            predicates.append(_equality_predicate(name, value))
        else:
            raise ApiError(400, "unknown_parameter", f"Unknown parameter '{name}'.", name)
    return paging, ids, predicates


def _equality_predicate(name: str, wanted: str) -> Callable[[dict[str, Any]], bool]:
    """`email` compares case-insensitively; booleans as written in a query string."""

    def check(record: dict[str, Any]) -> bool:
        value = record.get(name)
        if name == "email":
            return str(value or "").strip().lower() == wanted.strip().lower()
        if isinstance(value, bool):
            return str(value).lower() == wanted
        return value is not None and str(value) == wanted

    return check


def _time_predicate(field: str, op: str, bound: datetime) -> Callable[[dict[str, Any]], bool]:
    compare: dict[str, Callable[[datetime], bool]] = {
        "eq": lambda t: t == bound,
        "gt": lambda t: t > bound,
        "gte": lambda t: t >= bound,
        "lt": lambda t: t < bound,
        "lte": lambda t: t <= bound,
    }

    def check(record: dict[str, Any]) -> bool:
        stamp = record.get(field)
        return stamp is not None and compare[op](parse_time(stamp, field))

    return check


def _key_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip() or None
    if scheme.lower() == "basic":
        try:
            user, _, _ = base64.b64decode(credentials).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return user or None
    return None


def create_sandbox(people: Sequence[Person], settings: SandboxSettings) -> FastAPI:
    """The Digital River emulator app, seeded with `people`."""
    store = DigitalRiverStore(settings.seed)
    store.load(people)
    app = FastAPI(title="Digital River sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return ApiError(400, "invalid_parameter", "The request is malformed.").response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = "Not found." if exc.status_code == 404 else str(exc.detail)
        return ApiError(exc.status_code, None, message).response()

    @app.middleware("http")
    async def authenticate(request: Request, call_next: Any) -> Any:
        path = request.scope["path"].removeprefix(request.scope.get("root_path", ""))
        minting = request.method == "POST" and path == "/sources"
        expected = DEMO_PUBLIC_KEY if minting else DEMO_SECRET_KEY
        if _key_of(request) != expected:
            response: Response = ApiError(
                401, None, "An authorization error has occurred."
            ).response()
        else:
            response = await call_next(request)
        response.headers["x-dr-requestid"] = str(uuid.uuid4())
        return response

    async def body_of(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw:
            return {}
        try:
            body = await request.json()
        except ValueError as exc:
            raise ApiError(400, "invalid_parameter", "The request body is not JSON.") from exc
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_parameter", "The request body must be a JSON object.")
        return body

    def listing(
        request: Request, records: list[dict[str, Any]], allowed: set[str]
    ) -> dict[str, Any]:
        paging, ids, predicates = _filters(list(request.query_params.multi_items()), allowed)
        if ids:
            wanted = set(ids)
            records = [r for r in records if r["id"] in wanted]
        records = [r for r in store.newest_first(records) if all(p(r) for p in predicates)]
        return page(records, paging)

    @app.post("/customers", status_code=201)
    async def create_customer(request: Request) -> dict[str, Any]:
        body = await body_of(request)
        check_create(body)
        customer_id = body.pop("id", None) or store.unused_customer_id()
        if customer_id in store.customers:
            raise ApiError(409, "already_exists", f"Customer '{customer_id}' already exists.", "id")
        _check_default_source((), body)
        customer: dict[str, Any] = {"id": customer_id, "createdTime": _now()}
        customer |= {k: v for k, v in body.items() if v is not None and k != "taxCertificate"}
        if body.get("taxCertificate") is not None:
            customer["taxCertificates"] = [body["taxCertificate"]]
        customer.setdefault("enabled", True)
        customer["requestToBeForgotten"] = False
        store.insert(customer)
        return store.render(customer)

    @app.get("/customers")
    async def list_customers(request: Request) -> dict[str, Any]:
        result = listing(request, list(store.customers.values()), {"email", "requestToBeForgotten"})
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
        customer["updatedTime"] = _now()
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
        store.customer(customer_id)["updatedTime"] = _now()
        return source

    @app.delete("/customers/{customer_id}/sources/{source_id}", status_code=204)
    async def detach_source(customer_id: str, source_id: str) -> Response:
        store.detach(customer_id, source_id)
        store.customer(customer_id)["updatedTime"] = _now()
        return Response(status_code=204)

    @app.post("/customers/{customer_id}/tax-identifiers/{tax_id}")
    async def attach_tax_identifier(customer_id: str, tax_id: str) -> dict[str, Any]:
        store.customer(customer_id)
        tax = store.tax_identifiers.get(tax_id)
        if tax is None:
            raise ApiError(404, "not_found", f"Tax identifier '{tax_id}' not found.", "taxId")
        if tax.get("customerId") not in (None, customer_id):
            raise ApiError(409, "conflict", "The tax identifier belongs to another customer.")
        tax["customerId"] = customer_id
        tax["updatedTime"] = _now()
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
        stamp = _now()
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
        if body.get("type") != "creditCard":
            raise ApiError(
                400, "invalid_parameter", "This sandbox creates creditCard sources.", "type"
            )
        card = body.get("creditCard")
        card = card if isinstance(card, dict) else {}
        number = str(card.get("number", ""))
        if not (number.isdigit() and 13 <= len(number) <= 19 and luhn_ok(number)):
            raise ApiError(400, "invalid_parameter", "Invalid card number.", "creditCard.number")
        month, year = card.get("expirationMonth"), card.get("expirationYear")
        if not (isinstance(month, int) and 1 <= month <= 12 and isinstance(year, int)):
            raise ApiError(400, "invalid_parameter", "Invalid expiration.", "creditCard")
        owner = body.get("owner")
        return store.add_source(
            store.new_uuid(),
            _card(_brand(number), number[-4:], month, year),
            owner=owner if isinstance(owner, dict) else None,
            reusable=body.get("reusable") is not False,
        )

    @app.get("/sources/{source_id}")
    async def retrieve_source(source_id: str) -> dict[str, Any]:
        source = store.sources.get(source_id)
        if source is None:
            raise ApiError(404, "not_found", f"Source '{source_id}' not found.", "id")
        return source

    @app.get("/orders")
    async def list_orders(request: Request) -> dict[str, Any]:
        return listing(request, list(store.orders.values()), {"customerId", "email", "state"})

    @app.get("/orders/{order_id}")
    async def retrieve_order(order_id: str) -> dict[str, Any]:
        order = store.orders.get(order_id)
        if order is None:
            raise ApiError(404, "not_found", f"Order '{order_id}' not found.", "id")
        return order

    return app
