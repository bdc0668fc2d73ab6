"""Per-request DataLoaders: one batch per provider per field of a page.

Built in the GraphQL context getter, so nothing is shared between requests except
what the cache layer keeps. Each batch function groups its keys by provider and
makes one adapter call per provider, concurrently; a failing provider fails only
its own keys (an exception as that key's result), never the other providers'.
A customer id that its provider never issues (`IdRules`) fails alone as MalformedId
and is never sent: every read by id (`customer`, `node`, `_entities`) comes here.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from strawberry.dataloader import DataLoader

from gateway.contract import CustomerProvider
from gateway.errors import GatewayError, MalformedId
from gateway.model import (
    Address,
    Customer,
    CustomerRef,
    Order,
    PaymentSource,
    ProviderName,
)
from gateway.registry import Registry
from gateway.sameas import ContactIndex, SameAs, build_index

K = TypeVar("K")
V = TypeVar("V")


async def _per_provider(
    registry: Registry,
    keys: Sequence[K],
    provider_of: Callable[[K], ProviderName],
    fetch: Callable[[CustomerProvider, list[K]], Awaitable[Sequence[V]]],
) -> list[V | BaseException]:
    groups: dict[ProviderName, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        groups[provider_of(key)].append(index)
    results: list[V | BaseException] = [None] * len(keys)  # type: ignore[list-item]
    names = list(groups)

    async def one(name: ProviderName) -> Sequence[V]:
        return await fetch(registry.get(name), [keys[i] for i in groups[name]])

    outcomes = await asyncio.gather(*(one(n) for n in names), return_exceptions=True)
    for name, outcome in zip(names, outcomes, strict=True):
        for position, index in enumerate(groups[name]):
            results[index] = outcome if isinstance(outcome, BaseException) else outcome[position]
    return results


def _by_ref(customer: Customer) -> tuple[str, str]:
    return (customer.provider.value, customer.provider_id)


CustomerByRefLoader = DataLoader[CustomerRef, Customer | None]
AddressesByCustomerLoader = DataLoader[Customer, Sequence[Address]]
PaymentSourcesByCustomerLoader = DataLoader[Customer, Sequence[PaymentSource]]
OrdersByCustomerLoader = DataLoader[Customer, Sequence[Order]]
SameAsByCustomerLoader = DataLoader[Customer, SameAs]


@dataclass(frozen=True, slots=True)
class Loaders:
    customer_by_ref: CustomerByRefLoader
    addresses_by_customer: AddressesByCustomerLoader
    payment_sources_by_customer: PaymentSourcesByCustomerLoader
    orders_by_customer: OrdersByCustomerLoader
    same_as_by_customer: SameAsByCustomerLoader

    def written(self, ref: CustomerRef, customer: Customer | None) -> None:
        """After a write: the customer as it is now; its nested data reloads."""
        self.customer_by_ref.clear_all()
        if customer is not None:
            self.customer_by_ref.prime(ref, customer)
        self.addresses_by_customer.clear_all()
        self.payment_sources_by_customer.clear_all()
        self.orders_by_customer.clear_all()
        self.same_as_by_customer.clear_all()


def _well_formed(registry: Registry, ref: CustomerRef) -> bool:
    return registry.get(ref.provider).capabilities.ids.customer.accepts(ref.provider_id)


def build_loaders(registry: Registry, phone_region: str) -> Loaders:
    async def customers(refs: list[CustomerRef]) -> list[Customer | BaseException | None]:
        sendable = [_well_formed(registry, r) for r in refs]
        found = iter(
            await _per_provider(
                registry,
                [r for r, ok in zip(refs, sendable, strict=True) if ok],
                lambda r: r.provider,
                lambda p, batch: p.get_customers([r.provider_id for r in batch]),
            )
        )
        return [next(found) if ok else MalformedId("id") for ok in sendable]

    async def addresses(keys: list[Customer]) -> list[Sequence[Address] | BaseException]:
        return await _per_provider(
            registry, keys, lambda c: c.provider, lambda p, b: p.get_addresses(b)
        )

    async def payment_sources(
        keys: list[Customer],
    ) -> list[Sequence[PaymentSource] | BaseException]:
        return await _per_provider(
            registry, keys, lambda c: c.provider, lambda p, b: p.get_payment_sources(b)
        )

    async def orders(keys: list[Customer]) -> list[Sequence[Order] | BaseException]:
        return await _per_provider(
            registry, keys, lambda c: c.provider, lambda p, b: p.get_orders(b)
        )

    indexes: dict[ProviderName, asyncio.Task[ContactIndex]] = {}

    def index_of(name: ProviderName) -> asyncio.Task[ContactIndex]:
        """Each provider's contact index, built at most once per request."""
        if name not in indexes:
            indexes[name] = asyncio.ensure_future(build_index(registry.get(name), phone_region))
        return indexes[name]

    async def same_as(keys: list[Customer]) -> list[SameAs]:
        names = list(registry)
        built = await asyncio.gather(*(index_of(n) for n in names), return_exceptions=True)
        ready = {n: i for n, i in zip(names, built, strict=True) if isinstance(i, ContactIndex)}
        failures = {n: e for n, e in zip(names, built, strict=True) if isinstance(e, GatewayError)}
        for outcome in built:
            if isinstance(outcome, BaseException) and not isinstance(outcome, GatewayError):
                raise outcome
        return [
            SameAs(
                tuple(
                    match
                    for name, index in ready.items()
                    if name is not customer.provider
                    for match in index.matches(customer, phone_region)
                ),
                {n: e for n, e in failures.items() if n is not customer.provider},
            )
            for customer in keys
        ]

    return Loaders(
        customer_by_ref=DataLoader(load_fn=customers),
        addresses_by_customer=DataLoader(load_fn=addresses, cache_key_fn=_by_ref),
        payment_sources_by_customer=DataLoader(load_fn=payment_sources, cache_key_fn=_by_ref),
        orders_by_customer=DataLoader(load_fn=orders, cache_key_fn=_by_ref),
        same_as_by_customer=DataLoader(load_fn=same_as, cache_key_fn=_by_ref),
    )
