"""Digital River behind the `CustomerProvider` contract.

The caller may choose the customer id (at most 40 characters), and a reused id is a
409 `already_exists`. The customer record carries its one shipping address and its
attached sources, so addresses and payment sources cost no extra call; customers are
batch-read with the `ids` filter; orders are listed per customer (no batch form).
Digital River has no version and no idempotency key: versions are a hash of the
record checked read-compare-write, and idempotency lives in the gateway's store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from gateway.contract import (
    Capabilities,
    Connection,
    Operation,
    ProviderDeps,
    RateLimit,
    SandboxLink,
)
from gateway.errors import (
    FieldPath,
    ProviderBadResponse,
    ProviderRejected,
    UserErrorCode,
    UserInputError,
    UserInputErrors,
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
from gateway.providers.addresses import merge_address
from gateway.providers.digitalriver import mapping, rules
from gateway.providers.digitalriver.settings import SANDBOX_SECRET_KEY, DigitalRiverSettings
from gateway.providers.versioning import check_expected

LIVE_BASE_URL = "https://api.digitalriver.com"
IDS_PER_CALL = 100
ORDERS_PAGE = 100
ADDRESS_PATH: FieldPath = ("input", "address")
CUSTOMER_ID: FieldPath = ("input", "customerId")

CAPABILITIES = Capabilities(
    writable_fields=mapping.CUSTOMER_FIELDS,
    address_fields=frozenset(mapping.ADDRESS_FIELDS),
    operations=frozenset(Operation),
    max_addresses=1,
    ids=rules.IDS,
    max_lengths=rules.MAX_LENGTHS,
    address_max_lengths=rules.ADDRESS_MAX_LENGTHS,
    caller_chosen_id=True,
    make_default_on_attach=True,
    fixed_address_values={"label": mapping.ADDRESS_ID},
    payment_sources=True,
    orders_by_id=True,
    forget_outcome=ForgetOutcome.FORGET_REQUESTED,
    list_page_size=100,
    rate_limit=RateLimit(requests_per_second=25, scope="per test secret key (250 live)"),
)


def _customer_path(customer_id: str) -> str:
    return kit.path("/customers/{}", customer_id)


def _source_path(customer_id: str, source_id: str) -> str:
    return kit.path("/customers/{}/sources/{}", customer_id, source_id)


class DigitalRiverProvider:
    name = ProviderName.DIGITAL_RIVER
    capabilities = CAPABILITIES

    def __init__(self, http: UpstreamClient, idempotency: IdempotencyStore) -> None:
        self._http = http
        self._idempotency = idempotency

    async def _call(
        self,
        method: str,
        path: str,
        *,
        id_field: FieldPath | None = None,
        source_field: FieldPath = ("input", "paymentSourceId"),
        **kwargs: Any,
    ) -> dict[str, Any]:
        body: dict[str, Any] = kit.checked(
            self.name,
            await self._http.request(method, path, **kwargs),
            lambda status, body: mapping.error_from(status, body, id_field, source_field),
            want_object=True,
        )
        return body

    async def _retrieve(self, customer_id: str, id_field: FieldPath | None = None) -> Customer:
        return mapping.to_customer(
            await self._call("GET", _customer_path(customer_id), id_field=id_field)
        )

    async def _list(self, path: str, params: list[tuple[str, str]]) -> tuple[list[Any], bool]:
        body = await self._call("GET", path, params=params)
        data = body.get("data")
        if not isinstance(data, list):
            raise ProviderBadResponse(self.name, f"GET {path} answered no data list")
        return data, body.get("hasMore") is True

    async def check_credentials(self) -> None:
        """One customer listed: the cheapest call the secret key must be good for."""
        await self._list("/customers", [("limit", "1")])

    async def get_customers(self, ids: Sequence[str]) -> Sequence[Customer | None]:
        wanted = list(dict.fromkeys(ids))
        batchable = [i for i in wanted if "," not in i]
        found: dict[str, Customer] = {}
        pages = await asyncio.gather(
            *(
                self._list("/customers", [("ids", ",".join(c)), ("limit", str(len(c)))])
                for c in kit.chunks(batchable, IDS_PER_CALL)
            ),
            *(self._maybe(i) for i in wanted if "," in i),
        )
        for data, _ in pages:
            for customer in map(mapping.to_customer, data):
                found[customer.provider_id] = customer
        return [found.get(customer_id) for customer_id in ids]

    async def _maybe(self, customer_id: str) -> tuple[list[Any], bool]:
        """One customer whose id has a comma, which the comma-joined `ids` filter cannot hold."""
        found = await kit.or_default(self._call("GET", _customer_path(customer_id)), None)
        return [found] if found is not None else [], False

    async def search_customers(
        self, query: CustomerQuery, limit: int, cursor: str | None
    ) -> CustomerPage:
        if query.reference_id is not None:
            return CustomerPage((), None)  # Digital River customers have no reference id.
        data, more = await self._list("/customers", mapping.search_params(query, limit, cursor))
        customers = [mapping.to_customer(native) for native in data]
        next_cursor = kit.after_last([c.provider_id for c in customers], more)
        return CustomerPage(tuple(c for c in customers if matches(c, query)), next_cursor)

    async def get_addresses(self, customers: Sequence[Customer]) -> Sequence[Sequence[Address]]:
        return [[a] if (a := mapping.to_address(c.native)) else [] for c in customers]

    async def get_payment_sources(
        self, customers: Sequence[Customer]
    ) -> Sequence[Sequence[PaymentSource]]:
        return [mapping.to_payment_sources(c.native) for c in customers]

    async def get_orders(self, customers: Sequence[Customer]) -> Sequence[Sequence[Order]]:
        return await kit.per_key([c.provider_id for c in customers], self._orders_of)

    async def _orders_of(self, customer_id: str) -> list[Order]:
        async def page(cursor: str | None) -> tuple[list[Order], str | None]:
            params = [("customerId", customer_id), ("limit", str(ORDERS_PAGE))]
            if cursor:
                params.append(("startingAfter", cursor))
            data, more = await self._list("/orders", params)
            orders = [mapping.to_order(o) for o in data]
            return orders, kit.after_last([o.provider_id for o in orders], more)

        return await kit.follow(page, None)

    async def create_customer(self, new: NewCustomer, idempotency_key: str | None) -> Customer:
        errors = mapping.check_metadata(new.fields.get("metadata"))
        if new.address is not None:
            errors += mapping.check_address(mapping.new_address(new.address), ADDRESS_PATH)
        if errors:
            raise UserInputErrors(errors)
        body = mapping.create_body(new)
        token = new.payment_source_token
        return await kit.create_once(
            self._idempotency,
            self.name,
            idempotency_key,
            lambda: self._create(body, token, retried=idempotency_key is not None),
            self._retrieve,
        )

    async def _create(self, body: dict[str, Any], token: str | None, *, retried: bool) -> Customer:
        """POST /customers, then attach the token; a checked token is attached right after.

        `retried`: the caller sent an idempotency key, so a 409 on its own id whose record
        is exactly what this create would store is an earlier attempt whose answer was
        lost, not somebody else's customer.
        """
        token_field: FieldPath = ("input", "paymentSourceToken")
        if token is not None:
            await self._check_source(token, token_field)
        try:
            native = await self._call("POST", "/customers", json=body)
        except ProviderRejected as exc:
            if not (retried and exc.user_code is UserErrorCode.DUPLICATE and "id" in body):
                raise
            native = await self._call("GET", _customer_path(body["id"]))
            if not mapping.same_create(native, body):
                raise
        customer = mapping.to_customer(native)
        if token is None or token in mapping.source_ids(customer.native):
            return customer
        await self._call(
            "POST", _source_path(customer.provider_id, token), source_field=token_field
        )
        return await self._retrieve(customer.provider_id)

    async def _check_source(self, token: str, token_field: FieldPath) -> None:
        """Refuse a token that cannot be attached before the customer exists."""
        source = await self._call("GET", kit.path("/sources/{}", token), id_field=token_field)
        refusal = mapping.source_refusal(source)
        if refusal is not None:
            raise ProviderRejected(
                self.name,
                f"Digital River refused the payment source ({refusal}).",
                user_code=UserErrorCode.REJECTED_BY_PROVIDER,
                field=token_field,
                code=refusal,
            )

    async def update_customer(
        self, customer_id: str, fields: CustomerFields, expected_version: str | None
    ) -> Customer:
        if errors := mapping.check_metadata(fields.get("metadata")):
            raise UserInputErrors(errors)
        current: Customer | None = None
        if expected_version is not None or mapping.touches_shipping(fields):
            current = await self._retrieve(customer_id)
            check_expected(current.version, expected_version)
        body = mapping.update_body(fields, current.native if current else None)
        if not body:
            return current or await self._retrieve(customer_id)
        return mapping.to_customer(await self._call("POST", _customer_path(customer_id), json=body))

    async def delete_customer(self, customer_id: str, expected_version: str | None) -> None:
        if expected_version is not None:
            check_expected((await self._retrieve(customer_id)).version, expected_version)
        await self._call("DELETE", _customer_path(customer_id))

    async def _write_shipping(self, customer_id: str, shipping: dict[str, Any] | None) -> Customer:
        native = await self._call(
            "POST", _customer_path(customer_id), json={"shipping": shipping}, id_field=CUSTOMER_ID
        )
        return mapping.to_customer(native)

    async def _stored_address(self, customer_id: str, address_id: str) -> tuple[Customer, Address]:
        current = await self._retrieve(customer_id, CUSTOMER_ID)
        stored = mapping.to_address(current.native)
        if stored is None or stored.id != address_id:
            raise UserInputError(
                UserErrorCode.NOT_FOUND,
                "This customer has no such address.",
                ("input", "addressId"),
            )
        return current, stored

    async def add_address(self, customer_id: str, address: AddressFields) -> Customer:
        added = mapping.new_address(address)
        if errors := mapping.check_address(added, ADDRESS_PATH):
            raise UserInputErrors(errors)
        current = await self._retrieve(customer_id, CUSTOMER_ID)
        return await self._write_shipping(customer_id, mapping.with_address(current.native, added))

    async def update_address(
        self, customer_id: str, address_id: str, address: AddressFields
    ) -> Customer:
        current, stored = await self._stored_address(customer_id, address_id)
        merged = merge_address(stored, address)
        if errors := mapping.check_address(merged, ADDRESS_PATH):
            raise UserInputErrors(errors)
        return await self._write_shipping(customer_id, mapping.with_address(current.native, merged))

    async def remove_address(self, customer_id: str, address_id: str) -> Customer:
        current, _ = await self._stored_address(customer_id, address_id)
        return await self._write_shipping(customer_id, mapping.with_address(current.native, None))

    async def attach_payment_source(
        self, customer_id: str, token: str, make_default: bool, idempotency_key: str | None
    ) -> PaymentSource:
        """Digital River documents no idempotency key: the gateway's store answers a repeat."""
        return await kit.write_once(
            self._idempotency,
            self.name,
            idempotency_key,
            request=(Operation.ATTACH_PAYMENT_SOURCE, [customer_id, token, make_default]),
            write=lambda: self._attach(customer_id, token, make_default),
            result=PaymentSource,
        )

    async def _attach(self, customer_id: str, token: str, make_default: bool) -> PaymentSource:
        """The attach answers the source; `makeDefault` then names it the default, and
        that answer (the customer) says it is. Without it the source may still be the
        default (the first one attached is): the read-back says so."""
        token_field: FieldPath = ("input", "token")
        source = await self._call(
            "POST",
            _source_path(customer_id, token),
            id_field=CUSTOMER_ID,
            source_field=token_field,
        )
        if not isinstance(source.get("id"), str):
            raise ProviderBadResponse(self.name, "the attach answered no source id")
        if not make_default:
            return mapping.to_payment_source(source, None)
        customer = await self._set_default(customer_id, token, token_field)
        return mapping.to_payment_source(source, customer.native.get("defaultSourceId"))

    async def detach_payment_source(self, customer_id: str, source_id: str) -> Customer:
        await self._call("DELETE", _source_path(customer_id, source_id), id_field=CUSTOMER_ID)
        return await self._retrieve(customer_id, CUSTOMER_ID)

    async def set_default_payment_source(self, customer_id: str, source_id: str) -> Customer:
        return await self._set_default(customer_id, source_id, ("input", "paymentSourceId"))

    async def _set_default(
        self, customer_id: str, source_id: str, source_field: FieldPath
    ) -> Customer:
        native = await self._call(
            "POST",
            _customer_path(customer_id),
            json={"defaultSourceId": source_id},
            id_field=CUSTOMER_ID,
            source_field=source_field,
        )
        return mapping.to_customer(native)

    async def forget_customer(self, customer_id: str) -> ForgetOutcome:
        """Record the request; Digital River purges later. A second request is a no-op.

        The flag is set once and never changes again, so a refusal is read back: if the
        flag is already set, the earlier request stands.
        """
        try:
            await self._call(
                "POST", _customer_path(customer_id), json={"requestToBeForgotten": True}
            )
        except ProviderRejected:
            if not mapping.forget_requested((await self._retrieve(customer_id)).native):
                raise
        return ForgetOutcome.FORGET_REQUESTED

    async def aclose(self) -> None:
        await self._http.aclose()


def connection(settings: DigitalRiverSettings, sandbox: SandboxLink | None) -> Connection:
    """The key names the live environment: a `sk_test_` key is Digital River's test mode."""
    key = kit.secret(settings.secret_key, SANDBOX_SECRET_KEY)
    mode = "digitalriver-test" if key.startswith("sk_test_") else "digitalriver-live"
    return kit.connect(
        ProviderName.DIGITAL_RIVER,
        settings,
        sandbox,
        lambda: kit.live_at(settings, LIVE_BASE_URL, mode),
    )


def build(
    settings: DigitalRiverSettings, sandbox: SandboxLink | None, deps: ProviderDeps
) -> tuple[DigitalRiverProvider, Connection]:
    conn = connection(settings, sandbox)
    headers = kit.bearer(kit.secret(settings.secret_key, SANDBOX_SECRET_KEY))
    if settings.api_version:
        headers["DigitalRiver-Version"] = settings.api_version
    http = kit.upstream(ProviderName.DIGITAL_RIVER, settings, conn, headers)
    return DigitalRiverProvider(http, deps.idempotency), conn
