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
from gateway.http import UpstreamClient, json_body
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
from gateway.providers.addresses import merge_address, new_address
from gateway.providers.square import mapping
from gateway.providers.square.settings import SANDBOX_ACCESS_TOKEN, SquareSettings

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
)


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
        body = json_body(self.name, response)
        if response.status_code >= 400:
            raise mapping.error_from(response.status_code, body, id_field)
        return body

    async def _retrieve(self, customer_id: str) -> Customer:
        body = await self._call("GET", f"/v2/customers/{customer_id}")
        return mapping.to_customer(body["customer"])

    async def get_customers(self, ids: Sequence[str]) -> Sequence[Customer | None]:
        unique = list(dict.fromkeys(ids))
        chunks = [
            unique[i : i + BULK_RETRIEVE_MAX] for i in range(0, len(unique), BULK_RETRIEVE_MAX)
        ]
        bodies = await asyncio.gather(
            *(
                self._call("POST", "/v2/customers/bulk-retrieve", json={"customer_ids": chunk})
                for chunk in chunks
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
            "POST", "/v2/customers/search", json=mapping.search_body(query, min(limit, 100), cursor)
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
        return await asyncio.gather(*(self._cards(c.provider_id) for c in customers))

    async def _cards(self, customer_id: str) -> list[PaymentSource]:
        cards: list[PaymentSource] = []
        cursor: str | None = None
        while True:
            params = {"customer_id": customer_id, **({"cursor": cursor} if cursor else {})}
            body = await self._call("GET", "/v2/cards", params=params)
            cards += [mapping.to_payment_source(card) for card in body.get("cards") or []]
            cursor = body.get("cursor")
            if not cursor:
                return cards

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
            chunks = [
                ids[i : i + ORDERS_CUSTOMERS_MAX] for i in range(0, len(ids), ORDERS_CUSTOMERS_MAX)
            ]
            pages = await asyncio.gather(*(self._orders_for(locations, chunk) for chunk in chunks))
            for orders in pages:
                for order in orders:
                    by_customer[order.customer_id].append(order)
        return [by_customer.get(c.provider_id, []) for c in customers]

    async def _orders_for(self, locations: list[str], customer_ids: list[str]) -> list[Order]:
        orders: list[Order] = []
        cursor: str | None = None
        while True:
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
            page = await self._call("POST", "/v2/orders/search", json=body)
            orders += [mapping.to_order(o) for o in page.get("orders") or []]
            cursor = page.get("cursor")
            if not cursor:
                return orders

    async def create_customer(self, new: NewCustomer, idempotency_key: str | None) -> Customer:
        body = mapping.customer_body(new.fields)
        if new.address:
            body["address"] = mapping.address_fields_body(new.address)
        if idempotency_key is not None:
            body["idempotency_key"] = idempotency_key
        created = mapping.to_customer(
            (await self._call("POST", "/v2/customers", json=body))["customer"]
        )
        if new.payment_source_token is None:
            return created
        card_key = (
            hashlib.sha256(f"{idempotency_key}:card".encode()).hexdigest()[:40]
            if idempotency_key
            else None
        )
        await self._create_card(
            created.provider_id, new.payment_source_token, card_key, ("input", "paymentSourceToken")
        )
        return created

    async def _create_card(
        self, customer_id: str, token: str, key: str | None, token_field: FieldPath
    ) -> None:
        body = {
            "idempotency_key": key or uuid.uuid4().hex,
            "source_id": token,
            "card": {"customer_id": customer_id},
        }
        try:
            await self._call("POST", "/v2/cards", json=body, id_field=("input", "customerId"))
        except ProviderRejected as exc:
            raise exc.at(token_field) from exc

    async def update_customer(
        self, customer_id: str, fields: CustomerFields, expected_version: str | None
    ) -> Customer:
        body = mapping.customer_body(fields)
        if expected_version is not None:
            body["version"] = _version_number(expected_version)
        response = await self._call("PUT", f"/v2/customers/{customer_id}", json=body)
        return mapping.to_customer(response["customer"])

    async def delete_customer(self, customer_id: str, expected_version: str | None) -> None:
        params = {"version": _version_number(expected_version)} if expected_version else None
        await self._call("DELETE", f"/v2/customers/{customer_id}", params=params)

    async def _write_address(self, current: Customer, address: Address | None) -> Customer:
        body = {"address": mapping.address_body(address), "version": int(current.version)}
        response = await self._call("PUT", f"/v2/customers/{current.provider_id}", json=body)
        return mapping.to_customer(response["customer"])

    async def add_address(self, customer_id: str, address: AddressFields) -> Customer:
        current = await self._retrieve(customer_id)
        if mapping.to_address(current.native) is not None:
            raise UserInputError(
                UserErrorCode.INVALID,
                "Square keeps one address per customer: update or remove the existing one.",
                ("input", "address"),
            )
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
        self, customer_id: str, token: str, make_default: bool
    ) -> Customer:
        await self._create_card(customer_id, token, None, ("input", "token"))
        return await self._retrieve(customer_id)

    async def detach_payment_source(self, customer_id: str, source_id: str) -> Customer:
        body = await self._call(
            "GET", f"/v2/cards/{source_id}", id_field=("input", "paymentSourceId")
        )
        card = body["card"]
        if card.get("customer_id") != customer_id or not card.get("enabled", False):
            raise UserInputError(
                UserErrorCode.NOT_FOUND,
                "This customer has no such payment source.",
                ("input", "paymentSourceId"),
            )
        await self._call("POST", f"/v2/cards/{source_id}/disable")
        return await self._retrieve(customer_id)

    async def set_default_payment_source(self, customer_id: str, source_id: str) -> Customer:
        raise unsupported(self.name, Operation.SET_DEFAULT_PAYMENT_SOURCE)

    async def forget_customer(self, customer_id: str) -> ForgetOutcome:
        await self.delete_customer(customer_id, None)
        return ForgetOutcome.DELETED

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


def _no_address() -> UserInputError:
    return UserInputError(
        UserErrorCode.NOT_FOUND, "This customer has no such address.", ("input", "addressId")
    )


def connection(settings: SquareSettings, sandbox: SandboxLink | None) -> Connection:
    if settings.is_live:
        base = settings.base_url or ENVIRONMENTS[settings.environment]
        mode = "custom" if settings.base_url else f"square-{settings.environment}"
        return Connection(mode=mode, base_url=base)
    if sandbox is None:
        raise ValueError("Square has no credentials and no sandbox to use")
    return Connection("sandbox", sandbox.url_for(ProviderName.SQUARE.value), sandbox.transport)


def build(
    settings: SquareSettings, sandbox: SandboxLink | None, deps: ProviderDeps
) -> tuple[SquareProvider, Connection]:
    conn = connection(settings, sandbox)
    token = (
        settings.access_token.get_secret_value() if settings.access_token else SANDBOX_ACCESS_TOKEN
    )
    http = UpstreamClient(
        ProviderName.SQUARE,
        conn.base_url,
        timeout_s=settings.timeout_s,
        headers={
            "Authorization": f"Bearer {token}",
            "Square-Version": settings.api_version,
            "Accept": "application/json",
        },
        transport=conn.transport,
        max_in_flight=settings.max_in_flight,
        rate_limit_retries=1,
    )
    return SquareProvider(http), conn
