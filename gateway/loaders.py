"""Per-request DataLoaders: one batch per provider per field of a page.

Built in the GraphQL context getter, so nothing is shared between requests except
what the cache layer keeps (the sameAs contact indexes among it). Each field has one
loader per provider (`ByProvider`), so each provider's batch is one adapter call that
resolves as soon as that provider answers; a failing or slow provider fails or delays
only its own keys, never the other providers'.
A customer id that its provider never issues (`IdRules`) fails alone as MalformedId
and is never sent: every read by id (`customer`, `node`, `_entities`) comes here.
Nested loaders are keyed by the customer's ref, so a nested read the provider makes
from the id alone can start with the record read (`Loaders.read_ahead`), and the
field's `load(record)` later finds it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from strawberry.dataloader import DataLoader

from gateway.contract import Capabilities, CustomerProvider
from gateway.errors import GatewayError, MalformedId
from gateway.middleware.cached import read_cache
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


class ByProvider(Generic[K, V]):
    """One DataLoader per provider behind one `load`: a provider's batch resolves when
    that provider answers. One loader over all of them would hold every key until the
    slowest provider of the batch answered, so a hanging provider would delay (and
    could run out the deadline of) the others' nested reads."""

    def __init__(
        self,
        registry: Registry,
        provider_of: Callable[[K], ProviderName],
        fetch: Callable[[CustomerProvider, list[K]], Awaitable[Sequence[V | BaseException]]],
        cache_key_fn: Callable[[K], Hashable] | None = None,
    ) -> None:
        self._registry = registry
        self._provider_of = provider_of
        self._fetch = fetch
        self._cache_key_fn = cache_key_fn
        self._loaders: dict[ProviderName, DataLoader[K, V]] = {}

    def _loader(self, name: ProviderName) -> DataLoader[K, V]:
        loader = self._loaders.get(name)
        if loader is None:
            provider = self._registry.get(name)

            async def batch(keys: list[K]) -> Sequence[V | BaseException]:
                return await self._fetch(provider, keys)

            loader = self._loaders[name] = DataLoader(
                load_fn=batch, cache_key_fn=self._cache_key_fn
            )
        return loader

    def load(self, key: K) -> asyncio.Future[V]:
        """The value for one awaiter. The loader's future is shared by every field asking
        for the key, and cancelling a task cancels the future it awaits: graphql-core
        cancels a failed field's siblings, which would cancel the others' read too (a
        500 the fuzz test found). Each awaiter gets its own shield instead."""
        return asyncio.shield(self.start(key))

    def start(self, key: K) -> asyncio.Future[V]:
        """The loader's own future for `key`, for a caller that never awaits it in a task
        that may be cancelled (`asyncio.wait` on it, a done callback)."""
        return cast(asyncio.Future[V], self._loader(self._provider_of(key)).load(key))

    def prime(self, key: K, value: V) -> None:
        self._loader(self._provider_of(key)).prime(key, value)

    def clear_all(self) -> None:
        for loader in self._loaders.values():
            loader.clear_all()


def _by_ref(customer: Customer) -> tuple[str, str]:
    return (customer.provider.value, customer.provider_id)


CustomerByRefLoader = ByProvider[CustomerRef, Customer | None]
AddressesByCustomerLoader = ByProvider[Customer, Sequence[Address]]
PaymentSourcesByCustomerLoader = ByProvider[Customer, Sequence[PaymentSource]]
OrdersByCustomerLoader = ByProvider[Customer, Sequence[Order]]
SameAsByCustomerLoader = DataLoader[Customer, SameAs]


@dataclass(frozen=True, slots=True)
class Loaders:
    customer_by_ref: CustomerByRefLoader
    addresses_by_customer: AddressesByCustomerLoader
    payment_sources_by_customer: PaymentSourcesByCustomerLoader
    orders_by_customer: OrdersByCustomerLoader
    same_as_by_customer: SameAsByCustomerLoader
    contact_indexes: ContactIndexes

    def written(self, ref: CustomerRef, customer: Customer | None) -> None:
        """After a write: the customer as it is now; its nested data reloads."""
        self.customer_by_ref.clear_all()
        if customer is not None:
            self.customer_by_ref.prime(ref, customer)
        self.addresses_by_customer.clear_all()
        self.payment_sources_by_customer.clear_all()
        self.orders_by_customer.clear_all()
        self.same_as_by_customer.clear_all()

    def read_ahead(
        self, ref: CustomerRef, capabilities: Capabilities, *, payment_sources: bool, orders: bool
    ) -> None:
        """Start the nested reads asked for that the provider makes from the id alone,
        while the record is read instead of after it: its payment sources and orders
        then take one provider latency with the record, not a second one. Call it after
        `customer_by_ref.load(ref)`, so the record's batch goes out first. If the record
        turns out missing, what they answer is dropped."""
        if not capabilities.ids.customer.accepts(ref.provider_id):
            return
        stand_in = Customer(ref.provider, ref.provider_id, version="", native={})
        if payment_sources and capabilities.payment_sources_by_id:
            self.payment_sources_by_customer.start(stand_in).add_done_callback(_retrieved)
        if orders and capabilities.orders_by_id:
            self.orders_by_customer.start(stand_in).add_done_callback(_retrieved)


class ContactIndexes:
    """Each provider's contact index, looked up at most once per request: the read
    cache's shared one where the app caches, else built for this request.

    An index depends on no customer of the page, so a listing that selects `sameAs`
    starts them with the page's nested reads (`start`); left to the `sameAs` fields,
    they would start only once those reads are all in, a provider latency later.
    """

    def __init__(self, registry: Registry, phone_region: str) -> None:
        self._registry = registry
        self._phone_region = phone_region
        self._tasks: dict[ProviderName, asyncio.Task[ContactIndex]] = {}

    def of(self, name: ProviderName) -> asyncio.Task[ContactIndex]:
        task = self._tasks.get(name)
        if task is None:
            provider = self._registry.get(name)
            build = functools.partial(build_index, provider, self._phone_region)
            cache = read_cache(provider)
            task = asyncio.ensure_future(cache.contact_index(build) if cache else build())
            task.add_done_callback(_retrieved)
            self._tasks[name] = task
        return task

    def start(self) -> None:
        for name in self._registry:
            self.of(name)


def _retrieved(done: asyncio.Future[Any]) -> None:
    """Mark a read ahead's error as seen: no field awaits it when the record is missing
    (or, for a contact index, when the page turns out empty)."""
    if not done.cancelled():
        done.exception()


def build_loaders(registry: Registry, phone_region: str) -> Loaders:
    async def customers(
        provider: CustomerProvider, refs: list[CustomerRef]
    ) -> list[Customer | BaseException | None]:
        well_formed = [provider.capabilities.ids.customer.accepts(r.provider_id) for r in refs]
        found = iter(
            await provider.get_customers(
                [r.provider_id for r, ok in zip(refs, well_formed, strict=True) if ok]
            )
        )
        return [next(found) if ok else MalformedId("id") for ok in well_formed]

    def nested(
        fetch: Callable[[CustomerProvider, list[Customer]], Awaitable[Sequence[V]]],
    ) -> ByProvider[Customer, V]:
        return ByProvider(registry, _provider, fetch, cache_key_fn=_by_ref)

    indexes = ContactIndexes(registry, phone_region)

    async def same_as(keys: list[Customer]) -> list[SameAs]:
        names = list(registry)
        built = await asyncio.gather(*(indexes.of(n) for n in names), return_exceptions=True)
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
        customer_by_ref=ByProvider(registry, lambda r: r.provider, customers),
        addresses_by_customer=nested(lambda p, keys: p.get_addresses(keys)),
        payment_sources_by_customer=nested(lambda p, keys: p.get_payment_sources(keys)),
        orders_by_customer=nested(lambda p, keys: p.get_orders(keys)),
        same_as_by_customer=DataLoader(load_fn=same_as, cache_key_fn=_by_ref),
        contact_indexes=indexes,
    )


def _provider(customer: Customer) -> ProviderName:
    return customer.provider
