"""Elastic Path behind the `CustomerProvider` contract.

Elastic Path has no batch reads: no multi-id filter on customers (`id` takes `eq` and
ranges only), none on orders (`customer_id` takes `eq`/`like`), and addresses are a
per-customer sub-resource. Every batch read is therefore one call per customer, run
concurrently and bounded by the UpstreamClient's `max_in_flight`. Addresses are
unlimited and written one by one with partial PUTs. There is no native version or
idempotency: both are gateway-side (`versioning`, `IdempotencyStore`). There are no
stored payment instruments.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from gateway.contract import (
    Capabilities,
    Connection,
    Operation,
    ProviderDeps,
    RateLimit,
    SandboxLink,
    ShopperSession,
    unsupported,
)
from gateway.errors import (
    FieldPath,
    GatewayError,
    MalformedId,
    ProviderAuthError,
    ProviderBadResponse,
    ProviderForbidden,
    ProviderNotFound,
    ProviderOutcomeUnknown,
    UserErrorCode,
    UserInputError,
)
from gateway.filtering import matches
from gateway.http import UpstreamClient
from gateway.idempotency import IdempotencyStore
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
from gateway.providers.elasticpath import mapping, rules
from gateway.providers.elasticpath.auth import TokenSource
from gateway.providers.elasticpath.query import condition
from gateway.providers.elasticpath.settings import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    ElasticPathSettings,
)
from gateway.providers.versioning import check_expected
from gateway.retries import Replay

REGIONS = {
    "useast": "https://useast.api.elasticpath.com",
    "euwest": "https://euwest.api.elasticpath.com",
}
DEFAULT_REGION = "euwest"
"""The official JS SDK's default host; set ELASTICPATH__BASE_URL for a useast store."""
ORDERS_PAGE = 100
ADDRESS_PATH: FieldPath = ("input", "address")

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
            Operation.FORGET,
        }
    ),
    max_addresses=None,
    ids=rules.IDS,
    max_lengths=rules.MAX_LENGTHS,
    address_max_lengths=rules.ADDRESS_MAX_LENGTHS,
    shopper_login=True,
    orders_by_id=True,
    list_page_size=mapping.PAGE_LIMIT_MAX,
    rate_limit=RateLimit(requests_per_second=25, scope="per development store (100 in production)"),
)
WRONG_CREDENTIALS = "The email or password is wrong."


class ElasticPathProvider:
    name = ProviderName.ELASTIC_PATH
    capabilities = CAPABILITIES

    def __init__(
        self, http: UpstreamClient, tokens: TokenSource, idempotency: IdempotencyStore
    ) -> None:
        self._http = http
        self._tokens = tokens
        self._idempotency = idempotency

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One call with the cached token; a 401 renews the token and retries once."""
        token = await self._tokens.current()
        try:
            return await self._http.request(method, path, headers=kit.bearer(token), **kwargs)
        except ProviderAuthError as exc:
            if isinstance(exc, ProviderForbidden):
                raise
            fresh = await self._tokens.renew(token)
        return await self._http.request(method, path, headers=kit.bearer(fresh), **kwargs)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        id_field: FieldPath = ("input", "id"),
        sources: Mapping[str, FieldPath] = mapping.CUSTOMER_SOURCES,
        **kwargs: Any,
    ) -> dict[str, Any]:
        body: dict[str, Any] = kit.checked(
            self.name,
            await self._send(method, path, **kwargs),
            lambda status, body: mapping.error_from(status, body, id_field, sources),
            want_object=True,
        )
        return body

    async def _list(
        self, method: str, path: str, **kwargs: Any
    ) -> tuple[dict[str, Any], list[Any]]:
        body = await self._call(method, path, **kwargs)
        data = body.get("data")
        if not isinstance(data, list):
            raise ProviderBadResponse(self.name, f"{method} {path} answered no list")
        return body, data

    async def _data(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        data = (await self._call(method, path, **kwargs)).get("data")
        if not isinstance(data, dict):
            raise ProviderBadResponse(self.name, f"{method} {path} answered no data")
        return data

    async def check_credentials(self) -> None:
        """One customer listed: the token grant, then a call the token must be good for."""
        await self._list("GET", "/v2/customers", params=[("page[limit]", "1")])

    async def _retrieve(self, customer_id: str, id_field: FieldPath = ("input", "id")) -> Customer:
        return mapping.to_customer(
            await self._data("GET", _customer_path(customer_id), id_field=id_field)
        )

    async def _maybe(self, customer_id: str) -> Customer | None:
        return await kit.or_default(self._retrieve(customer_id), None)

    async def get_customers(self, ids: Sequence[str]) -> Sequence[Customer | None]:
        return await kit.per_key(ids, self._maybe)

    async def search_customers(
        self, query: CustomerQuery, limit: int, cursor: str | None
    ) -> CustomerPage:
        if query.phone is not None:
            return CustomerPage((), None)
        offset = _offset(cursor)
        body, natives = await self._list(
            "GET", "/v2/customers", params=mapping.search_params(query, limit, offset)
        )
        customers = tuple(c for c in map(mapping.to_customer, natives) if matches(c, query))
        following = mapping.next_offset(body, offset, len(natives))
        return CustomerPage(customers, str(following) if following is not None else None)

    async def get_addresses(self, customers: Sequence[Customer]) -> Sequence[Sequence[Address]]:
        """No filter spans customers' addresses: bounded concurrent calls, one per customer."""
        return await kit.per_key([c.provider_id for c in customers], self._addresses)

    async def _addresses(self, customer_id: str) -> list[Address]:
        listed = self._list("GET", kit.path("/v2/customers/{}/addresses", customer_id))
        _, natives = await kit.or_default(listed, ({}, []))
        return [mapping.to_address(a) for a in natives]

    async def get_payment_sources(
        self, customers: Sequence[Customer]
    ) -> Sequence[Sequence[PaymentSource]]:
        return [[] for _ in customers]

    async def get_orders(self, customers: Sequence[Customer]) -> Sequence[Sequence[Order]]:
        return await kit.per_key([c.provider_id for c in customers], self._orders)

    async def _orders(self, customer_id: str) -> list[Order]:
        async def page(offset: int) -> tuple[list[Order], int | None]:
            params = {
                "filter": condition("eq", "customer_id", customer_id),
                "sort": "-created_at",
                "page[limit]": str(ORDERS_PAGE),
                "page[offset]": str(offset),
            }
            body, natives = await self._list("GET", "/v2/orders", params=params)
            orders = [mapping.to_order(o, customer_id) for o in natives]
            return orders, mapping.next_offset(body, offset, len(natives))

        return await kit.follow(page, 0)

    async def create_customer(self, new: NewCustomer, idempotency_key: str | None) -> Customer:
        data = mapping.customer_body(new.fields, creating=True)
        return await kit.create_once(
            self._idempotency,
            self.name,
            idempotency_key,
            lambda: self._create(data, new.address),
            self._retrieve,
        )

    async def _create(self, data: dict[str, Any], address: AddressFields | None) -> Customer:
        try:
            created = mapping.to_customer(
                await self._data("POST", "/v2/customers", json={"data": data})
            )
        except (ProviderBadResponse, ProviderOutcomeUnknown) as exc:
            if address and not (exc.status is not None and 400 <= exc.status < 500):
                await self._undo_unconfirmed(str(data["email"]))
            raise
        if address:
            try:
                await self._write_address("POST", created.provider_id, None, address)
            except GatewayError:
                # No customer without the address that was asked for: undo, then report.
                with contextlib.suppress(GatewayError):
                    await self._call("DELETE", _customer_path(created.provider_id))
                raise
        return created

    async def _undo_unconfirmed(self, email: str) -> None:
        """A create with an address whose customer call may have committed unseen (its
        answer spoiled or lost) would leave a customer without the address asked for.
        Emails are unique in a store and a taken one answers 409, so a customer found
        now with this email is the one that call made: delete it, so the write is
        whole or nothing. Best effort: a failure here leaves the original error."""
        params = {"filter": condition("eq", "email", email)}
        with contextlib.suppress(GatewayError):
            _, natives = await self._list("GET", "/v2/customers", params=params)
            for native in natives:
                if str(native.get("email", "")).lower() == email.lower():
                    await self._call("DELETE", _customer_path(str(native["id"])))

    async def update_customer(
        self, customer_id: str, fields: CustomerFields, expected_version: str | None
    ) -> Customer:
        data = mapping.customer_body(fields, creating=False)
        if expected_version is not None:
            check_expected((await self._retrieve(customer_id)).version, expected_version)
        if len(data) == 1:
            return await self._retrieve(customer_id)
        return mapping.to_customer(
            await self._data("PUT", _customer_path(customer_id), json={"data": data})
        )

    async def delete_customer(self, customer_id: str, expected_version: str | None) -> None:
        if expected_version is not None:
            check_expected((await self._retrieve(customer_id)).version, expected_version)
        await self._call("DELETE", _customer_path(customer_id))

    async def _write_address(
        self, method: str, customer_id: str, address_id: str | None, address: AddressFields
    ) -> None:
        path = (
            kit.path("/v2/customers/{}/addresses", customer_id)
            if address_id is None
            else kit.path("/v2/customers/{}/addresses/{}", customer_id, address_id)
        )
        try:
            await self._call(
                method,
                path,
                json={"data": mapping.address_body(address)},
                id_field=("input", "addressId"),
                sources=mapping.ADDRESS_SOURCES,
            )
        except ProviderNotFound as exc:
            raise await self._which_missing(customer_id) from exc

    async def _which_missing(self, customer_id: str) -> GatewayError:
        """A 404 on an address path: the customer is gone, or only the address is."""
        if await self._maybe(customer_id) is None:
            return ProviderNotFound(self.name, "no such customer", field=("input", "customerId"))
        return UserInputError(
            UserErrorCode.NOT_FOUND, "This customer has no such address.", ("input", "addressId")
        )

    async def add_address(self, customer_id: str, address: AddressFields) -> Customer:
        await self._write_address("POST", customer_id, None, address)
        return await self._retrieve(customer_id, ("input", "customerId"))

    async def update_address(
        self, customer_id: str, address_id: str, address: AddressFields
    ) -> Customer:
        await self._write_address("PUT", customer_id, address_id, address)
        return await self._retrieve(customer_id, ("input", "customerId"))

    async def remove_address(self, customer_id: str, address_id: str) -> Customer:
        try:
            await self._call(
                "DELETE", kit.path("/v2/customers/{}/addresses/{}", customer_id, address_id)
            )
        except ProviderNotFound as exc:
            raise await self._which_missing(customer_id) from exc
        return await self._retrieve(customer_id, ("input", "customerId"))

    async def attach_payment_source(
        self, customer_id: str, token: str, make_default: bool, idempotency_key: str | None
    ) -> PaymentSource:
        raise unsupported(self.name, Operation.ATTACH_PAYMENT_SOURCE)

    async def detach_payment_source(self, customer_id: str, source_id: str) -> Customer:
        raise unsupported(self.name, Operation.DETACH_PAYMENT_SOURCE)

    async def set_default_payment_source(self, customer_id: str, source_id: str) -> Customer:
        raise unsupported(self.name, Operation.SET_DEFAULT_PAYMENT_SOURCE)

    async def forget_customer(self, customer_id: str) -> ForgetOutcome:
        await self._call("DELETE", _customer_path(customer_id))
        return ForgetOutcome.DELETED

    async def login_shopper(self, email: str, password: str) -> ShopperSession:
        """A customer token grant (`POST /v2/customers/tokens`), kept only for its customer id.

        Elastic Path answers 401 both for a wrong password and for a stale access token,
        so a 401 renews the access token once (`_send`) before it counts as wrong
        credentials: a wrong password costs two token calls and one access-token grant.
        The answer never says whether the email exists.
        """
        body = {"type": "token", "email": email, "password": password}
        try:
            data = await self._data(
                "POST", "/v2/customers/tokens", json={"data": body}, replay=Replay.SAFE
            )
        except ProviderAuthError as exc:
            if isinstance(exc, ProviderForbidden):
                raise
            raise UserInputError(UserErrorCode.INVALID_CREDENTIALS, WRONG_CREDENTIALS) from exc
        customer_id = data.get("customer_id")
        if not isinstance(customer_id, str) or not customer_id:
            raise ProviderBadResponse(self.name, "customer token answer without customer_id")
        return ShopperSession(customer_id)

    async def aclose(self) -> None:
        await self._http.aclose()


def _customer_path(customer_id: str) -> str:
    return kit.path("/v2/customers/{}", customer_id)


def _offset(cursor: str | None) -> int:
    """The cursor is Elastic Path's own position: the `page[offset]` of the next page."""
    if cursor is None:
        return 0
    try:
        offset = int(cursor)
    except ValueError as exc:
        raise MalformedId("after") from exc
    if offset < 0:
        raise MalformedId("after")
    return offset


def connection(settings: ElasticPathSettings, sandbox: SandboxLink | None) -> Connection:
    """A store is named by its region, even when `base_url` spells out a region's host."""

    def live() -> Connection:
        base = settings.base_url or REGIONS[DEFAULT_REGION]
        region = next((name for name, url in REGIONS.items() if url == base.rstrip("/")), None)
        return Connection(f"elasticpath-{region}" if region else "custom", base)

    return kit.connect(ProviderName.ELASTIC_PATH, settings, sandbox, live)


def build(
    settings: ElasticPathSettings, sandbox: SandboxLink | None, deps: ProviderDeps
) -> tuple[ElasticPathProvider, Connection]:
    conn = connection(settings, sandbox)
    if settings.is_live and settings.client_id and settings.client_secret:
        client_id, secret = settings.client_id, settings.client_secret.get_secret_value()
    else:
        client_id, secret = SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
    http = kit.upstream(ProviderName.ELASTIC_PATH, settings, conn)
    tokens = TokenSource(http, client_id, secret)
    return ElasticPathProvider(http, tokens, deps.idempotency), conn
