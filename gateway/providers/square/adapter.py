"""Square behind the `CustomerProvider` contract.

Square has native `version` (optimistic concurrency) and `idempotency_key`, a bulk
retrieve of 100 ids, and SearchOrders for 10 customers a call. It keeps one
address per customer and replaces it whole, so address writes send the complete
merged address together with the version they were merged from. Cards have no
default and no per-customer batch read: ListCards is one call per customer.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from gateway.contract import (
    Capabilities,
    Connection,
    Operation,
    ProviderDeps,
    SandboxLink,
    unsupported,
)
from gateway.errors import FieldPath, ProviderRejected, UserErrorCode, UserInputError
from gateway.filtering import matches
from gateway.http import UpstreamClient
from gateway.model import (
    Address,
    AddressFields,
    Customer,
    CustomerFields,
    CustomerPage,
    CustomerQuery,
    ForgetOutcome,
    NewCustomer,
    Order,
    PaymentSource,
    ProviderName,
)
from gateway.providers import kit
from gateway.providers.addresses import merge_address, new_address
from gateway.providers.square import mapping, rules
from gateway.providers.square.settings import SANDBOX_ACCESS_TOKEN, SquareSettings
from gateway.retries import Replay

KEY_FIELD: FieldPath = ("input", "idempotencyKey")
BULK_RETRIEVE_MAX = 100
ORDERS_CUSTOMERS_MAX = 10
ENVIRONMENTS = {
    "sandbox": "https://connect.squareupsandbox.com",
    "production": "https://connect.squareup.com",
}

CAPABILITIES = Capabilities(
    writable_fields=frozenset(mapping.CUSTOMER_FIELDS),
    address_fields=frozenset(mapping.ADDRESS_FIELDS),
    operations=frozenset(
        {
            Operation.CREATE,
            Operation.UPDATE,
            Operation.DELETE,
            Operation.ADD_ADDRESS,
            Operation.UPDATE_ADDRESS,
            Operation.REMOVE_ADDRESS,
            Operation.ATTACH_PAYMENT_SOURCE,
            Operation.DETACH_PAYMENT_SOURCE,
            Operation.FORGET,
        }
    ),
    max_addresses=1,
    ids=rules.IDS,
    max_lengths=rules.MAX_LENGTHS,
    address_max_lengths=rules.ADDRESS_MAX_LENGTHS,
    derived_fields=frozenset({"display_name"}),
    fixed_address_values={"label": mapping.ADDRESS_ID},
    payment_sources=True,
    payment_sources_by_id=True,
    orders_by_id=True,
    list_page_size=100,
)
"""Square publishes no rate limit (square.md: staff advise backoff), so none is declared."""


class SquareProvider:
    name = ProviderName.SQUARE
    capabilities = CAPABILITIES

    def __init__(self, http: UpstreamClient) -> None:
        self._http = http
        self._location_ids: list[str] | None = None

    async def _call(
        self, method: str, path: str, *, id_field: FieldPath = ("input", "id"), **kwargs: Any
    ) -> Any:
        response = await self._http.request(method, path, **kwargs)
        return kit.checked(self.name, response, lambda s, b: mapping.error_from(s, b, id_field))

    async def _retrieve(self, customer_id: str) -> Customer:
        body = await self._call("GET", kit.path("/v2/customers/{}", customer_id))
        return mapping.to_customer(body["customer"])

    async def get_customers(self, ids: Sequence[str]) -> Sequence[Customer | None]:
        bodies = await asyncio.gather(
            *(
                self._call(
                    "POST",
                    "/v2/customers/bulk-retrieve",
                    json={"customer_ids": chunk},
                    replay=Replay.SAFE,
                )
                for chunk in kit.chunks(list(dict.fromkeys(ids)), BULK_RETRIEVE_MAX)
            )
        )
        found: dict[str, Customer] = {}
        for body in bodies:
            for customer_id, entry in (body.get("responses") or {}).items():
                if "customer" in entry:
                    found[customer_id] = mapping.to_customer(entry["customer"])
        return [found.get(customer_id) for customer_id in ids]

    async def search_customers(
        self, query: CustomerQuery, limit: int, cursor: str | None
    ) -> CustomerPage:
        body = await self._call(
            "POST",
            "/v2/customers/search",
            json=mapping.search_body(query, min(limit, 100), cursor),
            replay=Replay.SAFE,
        )
        customers = tuple(
            c for c in map(mapping.to_customer, body.get("customers") or []) if matches(c, query)
        )
        return CustomerPage(customers, body.get("cursor") or None)

    async def get_addresses(self, customers: Sequence[Customer]) -> Sequence[Sequence[Address]]:
        return [[a] if (a := mapping.to_address(c.native)) is not None else [] for c in customers]

    async def get_payment_sources(
        self, customers: Sequence[Customer]
    ) -> Sequence[Sequence[PaymentSource]]:
        return await kit.per_key([c.provider_id for c in customers], self._cards)

    async def _cards(self, customer_id: str) -> list[PaymentSource]:
        async def page(cursor: str | None) -> tuple[list[PaymentSource], str | None]:
            params = {"customer_id": customer_id, **({"cursor": cursor} if cursor else {})}
            body = await self._call("GET", "/v2/cards", params=params)
            cards = [mapping.to_payment_source(card) for card in body.get("cards") or []]
            return cards, body.get("cursor") or None

        return await kit.follow(page, None)

    async def _locations(self) -> list[str]:
        if self._location_ids is None:
            body = await self._call("GET", "/v2/locations")
            self._location_ids = [loc["id"] for loc in body.get("locations") or []][:10]
        return self._location_ids

    async def get_orders(self, customers: Sequence[Customer]) -> Sequence[Sequence[Order]]:
        ids = list(dict.fromkeys(c.provider_id for c in customers))
        locations = await self._locations()
        by_customer: dict[str, list[Order]] = defaultdict(list)
        if locations:
            pages = await asyncio.gather(
                *(
                    self._orders_for(locations, chunk)
                    for chunk in kit.chunks(ids, ORDERS_CUSTOMERS_MAX)
                )
            )
            for orders in pages:
                for order in orders:
                    by_customer[order.customer_id].append(order)
        return [by_customer.get(c.provider_id, []) for c in customers]

    async def _orders_for(self, locations: list[str], customer_ids: Sequence[str]) -> list[Order]:
        async def page(cursor: str | None) -> tuple[list[Order], str | None]:
            body: dict[str, Any] = {
                "location_ids": locations,
                "limit": 500,
                "query": {
                    "filter": {"customer_filter": {"customer_ids": customer_ids}},
                    "sort": {"sort_field": "CREATED_AT", "sort_order": "DESC"},
                },
            }
            if cursor:
                body["cursor"] = cursor
            found = await self._call("POST", "/v2/orders/search", json=body, replay=Replay.SAFE)
            orders = [mapping.to_order(o) for o in found.get("orders") or []]
            return orders, found.get("cursor") or None

        return await kit.follow(page, None)

    async def create_customer(self, new: NewCustomer, idempotency_key: str | None) -> Customer:
        body = mapping.customer_body(new.fields)
        if new.address:
            body["address"] = mapping.address_fields_body(new.address)
        keyed = Replay.ONCE
        if idempotency_key is not None:
            body["idempotency_key"] = idempotency_key
            keyed = Replay.IDEMPOTENT  # Square applies a key once
        created = mapping.to_customer(
            (await self._call("POST", "/v2/customers", json=body, replay=keyed))["customer"]
        )
        if new.payment_source_token is None:
            return created
        await self._create_card(
            created.provider_id,
            new.payment_source_token,
            _card_key(idempotency_key, "card"),
            ("input", "paymentSourceToken"),
        )
        return created

    async def _create_card(
        self, customer_id: str, token: str, key: str | None, token_field: FieldPath
    ) -> PaymentSource:
        body = {
            "idempotency_key": key or uuid.uuid4().hex,
            "source_id": token,
            "card": {"customer_id": customer_id},
        }
        try:
            created = await self._call(  # the key is in the body: Square creates one card for it
                "POST",
                "/v2/cards",
                json=body,
                id_field=("input", "customerId"),
                replay=Replay.IDEMPOTENT,
            )
        except ProviderRejected as exc:
            if exc.field == KEY_FIELD:
                raise
            raise exc.at(token_field) from exc
        return mapping.to_payment_source(created["card"])

    async def update_customer(
        self, customer_id: str, fields: CustomerFields, expected_version: str | None
    ) -> Customer:
        body = mapping.customer_body(fields)
        if expected_version is not None:
            body["version"] = _version_number(expected_version)
        response = await self._call("PUT", kit.path("/v2/customers/{}", customer_id), json=body)
        return mapping.to_customer(response["customer"])

    async def delete_customer(self, customer_id: str, expected_version: str | None) -> None:
        params = {"version": _version_number(expected_version)} if expected_version else None
        await self._call("DELETE", kit.path("/v2/customers/{}", customer_id), params=params)

    async def _write_address(self, current: Customer, address: Address | None) -> Customer:
        body = {"address": mapping.address_body(address), "version": int(current.version)}
        path = kit.path("/v2/customers/{}", current.provider_id)
        response = await self._call("PUT", path, json=body)
        return mapping.to_customer(response["customer"])

    async def add_address(self, customer_id: str, address: AddressFields) -> Customer:
        current = await self._retrieve(customer_id)
        return await self._write_address(current, new_address(mapping.ADDRESS_ID, address))

    async def update_address(
        self, customer_id: str, address_id: str, address: AddressFields
    ) -> Customer:
        current = await self._retrieve(customer_id)
        stored = mapping.to_address(current.native)
        if stored is None or address_id != stored.id:
            raise _no_address()
        return await self._write_address(current, merge_address(stored, address))

    async def remove_address(self, customer_id: str, address_id: str) -> Customer:
        current = await self._retrieve(customer_id)
        stored = mapping.to_address(current.native)
        if stored is None or address_id != stored.id:
            raise _no_address()
        return await self._write_address(current, None)

    async def attach_payment_source(
        self, customer_id: str, token: str, make_default: bool, idempotency_key: str | None
    ) -> PaymentSource:
        """CreateCard, deduplicated by Square itself: a repeat answers the first card."""
        key = _card_key(idempotency_key, "attach")
        return await self._create_card(customer_id, token, key, ("input", "token"))

    async def detach_payment_source(self, customer_id: str, source_id: str) -> Customer:
        body = await self._call(
            "GET", kit.path("/v2/cards/{}", source_id), id_field=("input", "paymentSourceId")
        )
        card = body["card"]
        if card.get("customer_id") != customer_id or not card.get("enabled", False):
            raise UserInputError(
                UserErrorCode.NOT_FOUND,
                "This customer has no such payment source.",
                ("input", "paymentSourceId"),
            )
        await self._call("POST", kit.path("/v2/cards/{}/disable", source_id))
        return await self._retrieve(customer_id)

    async def set_default_payment_source(self, customer_id: str, source_id: str) -> Customer:
        raise unsupported(self.name, Operation.SET_DEFAULT_PAYMENT_SOURCE)

    async def forget_customer(self, customer_id: str) -> ForgetOutcome:
        await self.delete_customer(customer_id, None)
        return ForgetOutcome.DELETED

    async def check_credentials(self) -> None:
        """ListLocations: the cheapest call the token must be good for."""
        await self._call("GET", "/v2/locations")

    async def aclose(self) -> None:
        await self._http.aclose()


def _version_number(version: str) -> int:
    try:
        return int(version)
    except ValueError as exc:
        raise UserInputError(
            UserErrorCode.CONFLICT,
            "That version was never issued for this customer.",
            ("input", "expectedVersion"),
        ) from exc


def _card_key(idempotency_key: str | None, purpose: str) -> str | None:
    """CreateCard's key for a caller's key: at most 45 characters (square.md), and one
    per purpose, so a create's card and an attach never share a key at Square."""
    if not idempotency_key:
        return None
    return hashlib.sha256(f"{idempotency_key}:{purpose}".encode()).hexdigest()[:40]


def _no_address() -> UserInputError:
    return UserInputError(
        UserErrorCode.NOT_FOUND, "This customer has no such address.", ("input", "addressId")
    )


def connection(settings: SquareSettings, sandbox: SandboxLink | None) -> Connection:
    env = settings.environment
    return kit.connect(
        ProviderName.SQUARE,
        settings,
        sandbox,
        lambda: kit.live_at(settings, ENVIRONMENTS[env], f"square-{env}"),
    )


def build(
    settings: SquareSettings, sandbox: SandboxLink | None, deps: ProviderDeps
) -> tuple[SquareProvider, Connection]:
    conn = connection(settings, sandbox)
    token = kit.secret(settings.access_token, SANDBOX_ACCESS_TOKEN)
    headers = {**kit.bearer(token), "Square-Version": settings.api_version}
    return SquareProvider(kit.upstream(ProviderName.SQUARE, settings, conn, headers)), conn
