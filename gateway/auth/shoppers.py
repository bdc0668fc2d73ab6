"""Shopper isolation: which records a shopper owns, and which fields they may call.

A shopper owns the customers whose email, normalized as `sameAs` normalizes it,
is the shopper's verified email, in every provider. Ownership is read from the
providers, never taken from the request: one email search per provider (following
its pages, bounded), made the first time a request needs that provider and kept for
the rest of the request, so a viewer query and three writes cost one search each.

Every field a shopper may call is listed in `permits`; anything else (listings,
other people's ids, `_entities`, create, delete, forget) is refused before any
upstream call other than that ownership search. A write is checked against the
record it names and, for an address or payment source, against that record's own
addresses or sources: providers like Square address a card by its id alone, so a
foreign card id under one's own customer id must not reach them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from gateway import ids
from gateway.errors import GatewayError
from gateway.loaders import Loaders
from gateway.model import Customer, CustomerQuery, CustomerRef, ProviderName
from gateway.registry import Registry
from gateway.sameas import normalize_email

SEARCH_PAGE_SIZE = 100
MAX_SEARCH_PAGES = 10
"""Where a provider filters email itself, its search walks its listing: past this many
pages the shopper owns only what was found (less access, never more)."""
SHOPPER_FIELDS = frozenset(
    {
        "given_name",
        "family_name",
        "display_name",
        "company_name",
        "phone",
        "nickname",
        "birthday",
        "locale",
        "password",
    }
)
"""What a shopper may change on their own profile. Not `email`: it is their identity
(changing it to someone else's would plant a record in that person's `viewer`); not
the merchant's fields (`enabled`, `note`, `metadata`, `referenceId`, `customerType`)."""


class Ownership:
    """One request's view of a shopper's own records, read once per provider."""

    def __init__(self, registry: Registry, email: str) -> None:
        self._registry = registry
        self._email = email
        self._found: dict[ProviderName, asyncio.Future[tuple[Customer, ...]]] = {}

    @property
    def email(self) -> str:
        return self._email

    def providers(self) -> list[ProviderName]:
        return [p for p in ProviderName if p in self._registry]

    async def customers(self, provider: ProviderName) -> tuple[Customer, ...]:
        """The shopper's customers in `provider`; the first caller searches, others wait."""
        found = self._found.get(provider)
        if found is None:
            found = asyncio.ensure_future(self._search(provider))
            self._found[provider] = found
        return await found

    async def _search(self, provider: ProviderName) -> tuple[Customer, ...]:
        adapter = self._registry.get(provider)
        query = CustomerQuery(email=self._email)
        owned: list[Customer] = []
        cursor: str | None = None
        for _ in range(MAX_SEARCH_PAGES):
            page = await adapter.search_customers(query, SEARCH_PAGE_SIZE, cursor)
            owned += [c for c in page.customers if self.matches(c)]
            cursor = page.next_cursor
            if cursor is None:
                break
        return tuple(owned)

    def matches(self, customer: Customer) -> bool:
        """The adapters' email filter is not trusted alone: the match is made here too."""
        return normalize_email(customer.email) == self._email

    async def owned(self, ref: CustomerRef) -> Customer | None:
        """The shopper's record `ref`, or None when it is someone else's or nobody's."""
        if ref.provider not in self._registry:
            return None
        customers = await self.customers(ref.provider)
        return next((c for c in customers if c.provider_id == ref.provider_id), None)

    async def everywhere(self) -> tuple[list[Customer], dict[ProviderName, BaseException]]:
        """Every provider's customers of the shopper, and the providers that failed."""
        names = self.providers()
        outcomes = await asyncio.gather(*(self.customers(n) for n in names), return_exceptions=True)
        customers: list[Customer] = []
        failures: dict[ProviderName, BaseException] = {}
        for name, outcome in zip(names, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                failures[name] = outcome
            else:
                customers += outcome
        return customers, failures


Check = Callable[[Ownership, Loaders, Mapping[str, Any]], Awaitable[bool]]


async def _own_id(ownership: Ownership, value: object) -> Customer | None:
    try:
        gid = ids.decode(str(value))
    except GatewayError:
        return None
    return await ownership.owned(gid.customer)


async def _read(ownership: Ownership, _: Loaders, arguments: Mapping[str, Any]) -> bool:
    """`customer(id)` / `node(id)`: the shopper's own customer, or an order of one."""
    return await _own_id(ownership, arguments.get("id")) is not None


async def _open(_: Ownership, __: Loaders, ___: Mapping[str, Any]) -> bool:
    return True


async def _update(ownership: Ownership, _: Loaders, arguments: Mapping[str, Any]) -> bool:
    data = arguments["input"]
    if not set(data.to_fields()) <= SHOPPER_FIELDS:
        return False
    return await _own_id(ownership, data.id) is not None


async def _own_customer(ownership: Ownership, _: Loaders, arguments: Mapping[str, Any]) -> bool:
    return await _own_id(ownership, arguments["input"].customer_id) is not None


async def _own_address(
    ownership: Ownership, loaders: Loaders, arguments: Mapping[str, Any]
) -> bool:
    data = arguments["input"]
    customer = await _own_id(ownership, data.customer_id)
    if customer is None:
        return False
    addresses = await loaders.addresses_by_customer.load(customer)
    return any(a.id == str(data.address_id) for a in addresses)


async def _own_source(ownership: Ownership, loaders: Loaders, arguments: Mapping[str, Any]) -> bool:
    data = arguments["input"]
    customer = await _own_id(ownership, data.customer_id)
    if customer is None:
        return False
    sources = await loaders.payment_sources_by_customer.load(customer)
    return any(s.id == str(data.payment_source_id) for s in sources)


CHECKS: Mapping[str, Check] = {
    "viewer": _open,
    "customer": _read,
    "node": _read,
    "updateCustomer": _update,
    "addCustomerAddress": _own_customer,
    "updateCustomerAddress": _own_address,
    "removeCustomerAddress": _own_address,
    "attachPaymentSource": _own_customer,
    "detachPaymentSource": _own_source,
}
"""The root fields a shopper may call, by GraphQL name; every other one is refused."""


async def permits(
    ownership: Ownership, loaders: Loaders, field: str, arguments: Mapping[str, Any]
) -> bool:
    """Whether a shopper may call root `field` with these (converted) arguments."""
    check = CHECKS.get(field)
    return check is not None and await check(ownership, loaders, arguments)


def visible(ownership: Ownership, customers: Iterable[Customer]) -> list[Customer]:
    """What a shopper may see of other profiles (`sameAs`): only their own email's.

    `sameAs` also matches on phone, and a phone is not proof of identity.
    """
    return [c for c in customers if ownership.matches(c)]
