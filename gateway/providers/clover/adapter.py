"""Clover behind the `CustomerProvider` contract.

Platform v3 holds the directory (reads, list, update, delete, email/phone/address
sub-resources); Ecommerce v1 creates card-on-file customers, adds and revokes
cards, and lists orders. Both answer for the same customer ids and the same token,
so both go through one `CloverApi` and one per-token budget (see `client`).

Clover has neither versions nor idempotency: `version` is a hash of what the
customer shows (read-compare-write on `expectedVersion`, which leaves a small race
window between the read and the write), and `idempotencyKey` is kept by the
gateway. Clover expands at most three nested fields per call: a customer's fields
take one call (emails, phones, metadata), its addresses and cards a second one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from gateway.contract import (
    Capabilities,
    Connection,
    Operation,
    ProviderDeps,
    RateLimit,
    SandboxLink,
    unsupported,
)
from gateway.errors import (
    FieldPath,
    ProviderBadResponse,
    ProviderNotFound,
    ProviderRejected,
    UserErrorCode,
    UserInputError,
    UserInputErrors,
)
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
    PaymentSourceKind,
    ProviderName,
)
from gateway.providers import kit
from gateway.providers.addresses import merge_address, new_address
from gateway.providers.clover import mapping, rules
from gateway.providers.clover.client import LIST_MAX, CloverApi, expansions
from gateway.providers.clover.search import newest_first
from gateway.providers.clover.settings import (
    SANDBOX_ACCESS_TOKEN,
    SANDBOX_MERCHANT_ID,
    CloverSettings,
)
from gateway.providers.versioning import check_expected
from gateway.scope import join, share, wait_shared
from gateway.validation import camel

Extras = dict[str, dict[str, Any]]
"""Customer id -> the customer as read with `addresses` and `cards` expanded."""
OLDEST = datetime.min.replace(tzinfo=UTC)
RANGE_READ_MIN = 3
"""From this many customers on, addresses and cards are read with one list call
over their `customerSince` range instead of one call per customer."""
PLATFORM_HOSTS = {
    ("sandbox", "us"): "https://apisandbox.dev.clover.com",
    ("sandbox", "eu"): "https://apisandbox.dev.clover.com",
    ("sandbox", "la"): "https://apisandbox.dev.clover.com",
    ("production", "us"): "https://api.clover.com",
    ("production", "eu"): "https://api.eu.clover.com",
    ("production", "la"): "https://api.la.clover.com",
}
ECOMMERCE_HOSTS = {
    ("sandbox", "us"): "https://scl-sandbox.dev.clover.com",
    ("production", "us"): "https://scl.clover.com",
}
"""Ecommerce exists in the US and Canada only."""

_OPERATIONS = frozenset(
    {
        Operation.CREATE,
        Operation.UPDATE,
        Operation.DELETE,
        Operation.ADD_ADDRESS,
        Operation.UPDATE_ADDRESS,
        Operation.REMOVE_ADDRESS,
        Operation.FORGET,
    }
)
CAPABILITIES = Capabilities(
    writable_fields=mapping.WRITABLE_FIELDS,
    address_fields=frozenset(mapping.ADDRESS_FIELDS),
    operations=_OPERATIONS | {Operation.ATTACH_PAYMENT_SOURCE, Operation.DETACH_PAYMENT_SOURCE},
    max_addresses=None,
    ids=rules.IDS,
    max_lengths=rules.MAX_LENGTHS,
    address_max_lengths=rules.ADDRESS_MAX_LENGTHS,
    derived_fields=frozenset({"display_name"}),
    payment_sources=True,
    orders_by_id=True,
    list_page_size=LIST_MAX,
    rate_limit=RateLimit(requests_per_second=16, concurrent=5, scope="per access token"),
)
"""Forget erases the record, then deletes it: DELETED, as for the others."""
CAPABILITIES_WITHOUT_ECOMMERCE = dataclasses.replace(
    CAPABILITIES, operations=_OPERATIONS, payment_sources=False
)


class CloverProvider:
    name = ProviderName.CLOVER

    def __init__(self, api: CloverApi, deps: ProviderDeps) -> None:
        self.capabilities = CAPABILITIES if api.has_ecommerce else CAPABILITIES_WITHOUT_ECOMMERCE
        self._api = api
        self._deps = deps
        self._extras_in_flight: dict[tuple[int, tuple[str, ...]], asyncio.Task[Extras]] = {}
        self._writes = 0

    def _written(self) -> None:
        """After any write, reads in flight from before it are not shared any more."""
        self._writes += 1

    # -- reads ---------------------------------------------------------------------

    async def _read(self, customer_id: str, id_field: FieldPath = ("input", "id")) -> Customer:
        """The customer's own fields: one call, three expansions."""
        return mapping.to_customer(await self._api.read(customer_id, mapping.BASE_EXPAND, id_field))

    async def _find(self, customer_id: str) -> Customer | None:
        return await kit.or_default(self._read(customer_id), None)

    async def check_credentials(self) -> None:
        """One customer listed: the merchant's token must be good for it."""
        await self._api.send("GET", self._api.customers, params=[("limit", 1)])

    async def get_customers(self, ids: Sequence[str]) -> Sequence[Customer | None]:
        """One GET per id (Clover has no batch read), bounded by the in-flight budget."""
        return await kit.per_key(ids, self._find)

    async def _list_page(self, filters: Sequence[str], offset: int) -> list[Customer]:
        rows = await self._api.list(filters, mapping.BASE_EXPAND, offset=offset)
        return [mapping.to_customer(row) for row in rows]

    async def search_customers(
        self, query: CustomerQuery, limit: int, cursor: str | None
    ) -> CustomerPage:
        """Newest first over `customerSince` windows; see `search` for what it costs."""
        if query.reference_id is not None:
            return CustomerPage((), None)  # Clover keeps no reference id: nothing can match.
        return await newest_first(
            self._list_page, query, limit, cursor, now_ms=int(time.time() * 1000)
        )

    async def _extras(self, customers: Sequence[Customer]) -> Extras:
        """Addresses and cards by customer id: the second read of a full customer.

        The address and payment-source loaders of one request ask for the same
        customers at the same moment; they share one upstream read.
        """
        known = {c.provider_id: c.native for c in customers if mapping.has_extras(c.native)}
        wanted = {c.provider_id: c for c in customers if c.provider_id not in known}
        if not wanted:
            return known
        key = (self._writes, tuple(sorted(wanted)))
        shared = self._extras_in_flight.get(key)
        if shared is None or not join(shared):
            shared = share(self._read_extras(list(wanted.values())), self.name)
            self._extras_in_flight[key] = shared
            shared.add_done_callback(lambda done: self._settled(key, done))
        return {**await wait_shared(shared), **known}

    def _settled(self, key: tuple[int, tuple[str, ...]], done: asyncio.Task[Extras]) -> None:
        """Forget a finished shared read; its error is raised to every waiter, not logged."""
        if self._extras_in_flight.get(key) is done:
            del self._extras_in_flight[key]
        if not done.cancelled():
            done.exception()

    async def _read_extras(self, customers: list[Customer]) -> Extras:
        found: Extras = {}
        stamps = [s for c in customers if isinstance(s := c.native.get("customerSince"), int)]
        if len(customers) >= RANGE_READ_MIN and len(stamps) == len(customers):
            window = [f"customerSince>={min(stamps)}", f"customerSince<={max(stamps)}"]
            wanted = {c.provider_id for c in customers}
            rows = await self._api.list(window, mapping.EXTRA_EXPAND)
            found = {row["id"]: row for row in rows if row.get("id") in wanted}
        missing = [c.provider_id for c in customers if c.provider_id not in found]
        rows = await kit.per_key(missing, self._read_extras_one)
        return found | dict(zip(missing, rows, strict=True))

    async def _read_extras_one(self, customer_id: str) -> dict[str, Any]:
        return await kit.or_default(self._api.read(customer_id, mapping.EXTRA_EXPAND), {})

    async def get_addresses(self, customers: Sequence[Customer]) -> Sequence[Sequence[Address]]:
        extras = await self._extras(customers)
        return [mapping.addresses_of(extras.get(c.provider_id, {})) for c in customers]

    async def get_payment_sources(
        self, customers: Sequence[Customer]
    ) -> Sequence[Sequence[PaymentSource]]:
        extras = await self._extras(customers)
        return [mapping.payment_sources_of(extras.get(c.provider_id, {})) for c in customers]

    async def get_orders(self, customers: Sequence[Customer]) -> Sequence[Sequence[Order]]:
        """Ecommerce lists orders by one customer a call; without Ecommerce there are none."""
        if not self._api.has_ecommerce:
            return [[] for _ in customers]
        return await kit.per_key([c.provider_id for c in customers], self._orders_of)

    async def _orders_of(self, customer_id: str) -> list[Order]:
        async def page(after: str | None) -> tuple[list[Order], str | None]:
            params: list[tuple[str, Any]] = [("customer", customer_id), ("limit", 100)]
            if after is not None:
                params.append(("starting_after", after))
            body = await self._api.send("GET", self._api.ecommerce("orders"), params=params)
            found = body if isinstance(body, dict) else {}
            rows = [row for row in found.get("data") or [] if isinstance(row, dict)]
            orders = [mapping.to_order(row) for row in rows]
            return orders, kit.after_last(
                [o.provider_id for o in orders], bool(found.get("has_more"))
            )

        orders = await kit.follow(page, None)
        return sorted(orders, key=lambda o: o.created_at or OLDEST, reverse=True)

    # -- customer writes -----------------------------------------------------------

    async def create_customer(self, new: NewCustomer, idempotency_key: str | None) -> Customer:
        address = new_address("", new.address) if new.address else None
        errors = _address_errors(address) if address else []
        if new.payment_source_token is not None and not new.fields.get("email"):
            errors.append(
                UserInputError(
                    UserErrorCode.INVALID,
                    "Clover needs an email to save a card with a new customer.",
                    ("input", "email"),
                )
            )
        _raise(errors)
        return await kit.create_once(
            self._deps.idempotency,
            self.name,
            idempotency_key,
            lambda: self._create(new, address),
            lambda customer_id: self._read(customer_id, ("input", "provider")),
        )

    async def _create(self, new: NewCustomer, address: Address | None) -> Customer:
        self._written()
        if new.payment_source_token is None:
            native = await self._api.send(
                "POST",
                self._api.customers,
                params=expansions(mapping.BASE_EXPAND),
                json=mapping.create_body(new.fields, address),
                id_field=("input", "provider"),
            )
            return mapping.to_customer(native)
        return await self._create_with_card(new, new.payment_source_token, address)

    async def _create_with_card(
        self, new: NewCustomer, token: str, address: Address | None
    ) -> Customer:
        """Ecommerce creates the customer with its card; v3 adds what Ecommerce lacks."""
        try:
            created = await self._api.send(
                "POST",
                self._api.ecommerce("customers"),
                json=mapping.ecommerce_customer_body(new.fields, token),
                id_field=("input", "provider"),
            )
        except ProviderRejected as exc:
            if exc.field == ("input", "token"):
                raise exc.at(("input", "paymentSourceToken")) from exc
            raise
        customer_id = mapping.item_id(created)
        if address is not None:
            await self._api.send(
                "POST",
                self._api.customer(customer_id, "addresses"),
                json=mapping.address_body(address),
            )
        if mapping.touches_metadata(new.fields):
            return await self._post_update(customer_id, mapping.update_body(new.fields, {}))
        return await self._read(customer_id)

    async def _post_update(self, customer_id: str, body: dict[str, Any]) -> Customer:
        native = await self._api.send(
            "POST",
            self._api.customer(customer_id),
            params=expansions(mapping.BASE_EXPAND),
            json=body,
        )
        return mapping.to_customer(native)

    async def update_customer(
        self, customer_id: str, fields: CustomerFields, expected_version: str | None
    ) -> Customer:
        """Contacts through their sub-resources, then names and metadata in one POST.

        The current record is read first when the write depends on it: to check
        `expectedVersion`, to find the email and phone sub-resources, and to send
        metadata complete.
        """
        needs_current = (
            expected_version is not None
            or "email" in fields
            or "phone" in fields
            or mapping.touches_metadata(fields)
        )
        current = await self._read(customer_id) if needs_current else None
        if current is not None:
            check_expected(current.version, expected_version)
        self._written()
        if current is not None:
            await self._write_contacts(current, fields)
        body = mapping.update_body(fields, current.native if current else {})
        if body:
            return await self._post_update(customer_id, body)
        return await self._read(customer_id)

    async def _write_contacts(self, current: Customer, fields: CustomerFields) -> None:
        writes = []
        if "email" in fields:
            email = fields["email"]
            writes.append(
                self._write_contact(
                    current.provider_id,
                    "email_addresses",
                    mapping.primary_email(current.native),
                    {"emailAddress": email, "primaryEmail": True} if email is not None else None,
                )
            )
        if "phone" in fields:
            phone = fields["phone"]
            writes.append(
                self._write_contact(
                    current.provider_id,
                    "phone_numbers",
                    mapping.first_phone(current.native),
                    {"phoneNumber": phone} if phone is not None else None,
                )
            )
        await kit.gather_all(writes)

    async def _write_contact(
        self,
        customer_id: str,
        resource: str,
        existing: dict[str, Any] | None,
        body: dict[str, Any] | None,
    ) -> None:
        """Change, add or (body None) delete the one email or phone the customer shows."""
        if existing is None:
            if body is not None:
                await self._api.send("POST", self._api.customer(customer_id, resource), json=body)
            return
        url = self._api.customer(customer_id, resource, mapping.item_id(existing))
        await self._api.send("POST" if body is not None else "DELETE", url, json=body)

    async def delete_customer(self, customer_id: str, expected_version: str | None) -> None:
        if expected_version is not None:
            check_expected((await self._read(customer_id)).version, expected_version)
        self._written()
        await self._api.send("DELETE", self._api.customer(customer_id))

    async def forget_customer(self, customer_id: str) -> ForgetOutcome:
        """Clover deletes softly (the row stays, with `deletedTime`), so what
        identifies the person is erased first: contacts, addresses, cards, names
        and metadata; then the customer is deleted."""
        current = await self._read(customer_id)
        extras = (await self._extras([current]))[customer_id]
        self._written()
        erase = [
            self._api.customer(customer_id, resource, mapping.item_id(row))
            for resource, native, key in (
                ("email_addresses", current.native, "emailAddresses"),
                ("phone_numbers", current.native, "phoneNumbers"),
                ("addresses", extras, "addresses"),
            )
            for row in mapping.elements(native, key)
        ]
        await kit.gather_all(self._api.send("DELETE", url) for url in erase)
        await kit.gather_all(
            self._revoke(customer_id, mapping.item_id(c)) for c in mapping.elements(extras, "cards")
        )
        await self._post_update(
            customer_id, {"firstName": None, "lastName": None, "metadata": None}
        )
        await self._api.send("DELETE", self._api.customer(customer_id))
        return ForgetOutcome.DELETED

    # -- addresses -----------------------------------------------------------------

    async def _stored_address(self, customer_id: str, address_id: str) -> Address:
        native = await self._read_extras_one(customer_id)
        if not native:
            raise ProviderNotFound(self.name, "customer not found", field=("input", "customerId"))
        stored = next((a for a in mapping.addresses_of(native) if a.id == address_id), None)
        if stored is None:
            raise _no_address()
        return stored

    async def add_address(self, customer_id: str, address: AddressFields) -> Customer:
        complete = new_address("", address)
        _raise(_address_errors(complete))
        self._written()
        await self._api.send(
            "POST",
            self._api.customer(customer_id, "addresses"),
            json=mapping.address_body(complete),
            id_field=("input", "customerId"),
        )
        return await self._read(customer_id, ("input", "customerId"))

    async def update_address(
        self, customer_id: str, address_id: str, address: AddressFields
    ) -> Customer:
        """Clover's address update takes the whole address: merge, then send it complete."""
        merged = merge_address(await self._stored_address(customer_id, address_id), address)
        _raise(_address_errors(merged))
        self._written()
        await self._api.send(
            "POST",
            self._api.customer(customer_id, "addresses", address_id),
            json=mapping.address_body(merged),
            id_field=("input", "addressId"),
        )
        return await self._read(customer_id, ("input", "customerId"))

    async def remove_address(self, customer_id: str, address_id: str) -> Customer:
        self._written()
        await self._api.send(
            "DELETE",
            self._api.customer(customer_id, "addresses", address_id),
            id_field=("input", "addressId"),
        )
        return await self._read(customer_id, ("input", "customerId"))

    # -- payment sources -----------------------------------------------------------

    async def attach_payment_source(
        self, customer_id: str, token: str, make_default: bool, idempotency_key: str | None
    ) -> PaymentSource:
        """Clover keeps no idempotency key here: the gateway's store answers a repeat."""
        return await kit.write_once(
            self._deps.idempotency,
            self.name,
            idempotency_key,
            request=(Operation.ATTACH_PAYMENT_SOURCE, [customer_id, token]),
            write=lambda: self._attach(customer_id, token),
            result=PaymentSource,
        )

    async def _attach(self, customer_id: str, token: str) -> PaymentSource:
        """Ecommerce `PUT /v1/customers/{id}` with a `source` adds one saved card.

        Its answer lists the ids of all saved cards, in no documented order, so the
        ids from before are read first: the new card is the id they lack. That read is
        a filtered list, not the read of the customer, so a fault on the read-back
        route leaves it alone. The brand and digits come with the read-back.
        """
        customer_field: FieldPath = ("input", "customerId")
        found = await self._api.list([f"id={customer_id}"], ("cards",))
        if not found:
            raise ProviderNotFound(self.name, "customer not found", field=customer_field)
        before = {mapping.item_id(card) for card in mapping.elements(found[0], "cards")}
        self._written()
        answer = await self._api.send(
            "PUT",
            self._api.ecommerce("customers", customer_id),
            json={"source": token},
            id_field=customer_field,
        )
        added = [card_id for card_id in _listed_card_ids(answer) if card_id not in before]
        if not added:
            raise ProviderBadResponse(self.name, "the attach answer lists no new card")
        return PaymentSource(id=added[-1], kind=PaymentSourceKind.CARD)

    async def _revoke(self, customer_id: str, source_id: str) -> None:
        url = self._api.ecommerce("customers", customer_id, "sources", source_id)
        await self._api.send("DELETE", url, id_field=("input", "paymentSourceId"))

    async def detach_payment_source(self, customer_id: str, source_id: str) -> Customer:
        self._written()
        await self._revoke(customer_id, source_id)
        return await self._read(customer_id, ("input", "customerId"))

    async def set_default_payment_source(self, customer_id: str, source_id: str) -> Customer:
        raise unsupported(self.name, Operation.SET_DEFAULT_PAYMENT_SOURCE)

    async def aclose(self) -> None:
        await self._api.aclose()


def _address_errors(address: Address) -> list[UserInputError]:
    """Clover requires every address field but line2 (lengths: the service checks them)."""
    return [
        UserInputError(
            UserErrorCode.INVALID,
            f"Clover requires `{camel(name)}` on an address.",
            ("input", "address", camel(name)),
        )
        for name in mapping.missing_address_fields(address)
    ]


def _listed_card_ids(answer: Any) -> list[str]:
    """The saved cards an Ecommerce customer lists: `sources.data`, ids (or objects)."""
    sources = answer.get("sources") if isinstance(answer, dict) else None
    listed = sources.get("data") if isinstance(sources, dict) else None
    items = listed if isinstance(listed, list) else []
    ids = (item.get("id") if isinstance(item, dict) else item for item in items)
    return [card_id for card_id in ids if isinstance(card_id, str) and card_id]


def _raise(errors: list[UserInputError]) -> None:
    if errors:
        raise UserInputErrors(errors)


def _no_address() -> UserInputError:
    return UserInputError(
        UserErrorCode.NOT_FOUND, "This customer has no such address.", ("input", "addressId")
    )


def connection(settings: CloverSettings, sandbox: SandboxLink | None) -> Connection:
    """How Platform v3 is reached."""
    env, region = settings.environment, settings.region
    return kit.connect(
        ProviderName.CLOVER,
        settings,
        sandbox,
        lambda: kit.live_at(settings, PLATFORM_HOSTS[(env, region)], f"clover-{env}-{region}"),
    )


def ecommerce_url(settings: CloverSettings, conn: Connection) -> str | None:
    """Where Ecommerce is reached: the sandbox serves it beside v3; None where Clover has none."""
    if not settings.is_live:
        return conn.base_url
    return settings.ecommerce_base_url or ECOMMERCE_HOSTS.get(
        (settings.environment, settings.region)
    )


def build(
    settings: CloverSettings, sandbox: SandboxLink | None, deps: ProviderDeps
) -> tuple[CloverProvider, Connection]:
    conn = connection(settings, sandbox)
    if settings.is_live and not settings.merchant_id:
        raise ValueError("CLOVER__MERCHANT_ID is required with CLOVER__ACCESS_TOKEN")
    token = kit.secret(settings.access_token, SANDBOX_ACCESS_TOKEN)
    http = kit.upstream(
        ProviderName.CLOVER,
        settings,
        conn,
        kit.bearer(token),
    )
    api = CloverApi(
        http,
        merchant_id=(settings.merchant_id or "") if settings.is_live else SANDBOX_MERCHANT_ID,
        ecommerce_url=ecommerce_url(settings, conn),
        max_in_flight=settings.max_in_flight,
        requests_per_s=settings.max_requests_per_s,
    )
    return CloverProvider(api, deps), conn
