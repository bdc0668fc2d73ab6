"""Read caching around any provider: the same contract, fewer upstream calls.

Keys live under the account namespace `<prefix>:<hash>` (see `gateway.cache`):

    <ns>:customer:<id>  <ns>:addresses:<id>  <ns>:payment_sources:<id>  <ns>:orders:<id>
    <ns>:search:<sha256 of query, limit, cursor>   (no email or phone in a key)
    <ns>:gen:<id>   the customer's generation      <ns>:gen   the provider's

Every entry is `{"g": generation, "r": customer version, "v": JSON value}`. The
generation is the one current when its fetch began; an entry is served only while
that generation is still current (and, for addresses and payment sources, only for
the customer version it was read with, since providers embed those in the record;
not where the provider reads payment sources by id alone, `payment_sources_by_id`).
A write through the gateway sets a new random generation for the customer and for
the provider's lists, in the shared backend, before its payload returns: every later
read on any replica misses, and a read that raced the write can only store its old
value under a generation nobody reads any more. No delete-then-refill window.

Single flight: concurrent misses of one key in this process share one upstream
fetch. A miss that finds no fetch in flight reads the backend once more before
going upstream, since a fetch may have finished storing in between; so 50
identical cold queries cost one upstream call per entity, deterministically.

sameAs' contact index (`gateway.sameas`) is built from the whole listing, whose pages
live under `<ns>:gen`; so one index per provider is kept in this process, shared by
requests, for as long as those pages are: while the generation it was built under is
current (one backend read tells), and no longer than the search TTL after its build
began. A write anywhere bumps the generation, and the next sameAs builds anew.

The backend failing costs speed, not answers: reads go upstream, the failure is
counted and logged, and nothing is stored under a generation it could not read.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar, cast

from aiocache.base import BaseCache

from gateway.cache import CacheKind
from gateway.codec import JSON, CodecError, decode, decode_many, decode_optional, encode
from gateway.config import CacheSettings
from gateway.contract import CustomerProvider
from gateway.metrics import CacheMetrics
from gateway.middleware.base import Call, ProviderMiddleware
from gateway.model import (
    Address,
    Customer,
    CustomerPage,
    CustomerQuery,
    Order,
    PaymentSource,
)
from gateway.sameas import ContactIndex
from gateway.scope import join, share, wait_shared

log = logging.getLogger("gateway.cache")

T = TypeVar("T")

GENERATION_GRACE_S = 3600
"""How much longer than any entry a generation outlives its last write.

An entry stored under a generation must expire before that generation can vanish
and come back as "none yet"; the grace covers the slowest fetch that read it.
"""

_BACKEND_DOWN = object()
"""The generation of a lookup the backend could not answer: never stored."""


@dataclass(frozen=True, slots=True)
class _Slot:
    key: str
    gen_key: str
    tag: str | None
    """The customer version the entry belongs to, where the value derives from it."""


@dataclass(frozen=True, slots=True)
class _Flight:
    gen: object
    tag: str | None
    task: asyncio.Task[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class _Lookup:
    found: dict[str, Any]
    gens: dict[str, object]


@dataclass(frozen=True, slots=True)
class _Index:
    gen: object
    expires: float
    """`time.monotonic()` past which the pages it was built from may have expired."""
    task: asyncio.Task[ContactIndex]


class CachedProvider(ProviderMiddleware):
    """A `CustomerProvider` that answers reads from the cache and invalidates on writes."""

    def __init__(
        self,
        inner: CustomerProvider,
        cache: BaseCache,
        namespace: str,
        settings: CacheSettings,
        metrics: CacheMetrics,
    ) -> None:
        super().__init__(inner)
        self._cache = cache
        self._ns = namespace
        self._ttl = {kind: kind.ttl_s(settings) for kind in CacheKind}
        self._gen_ttl = max(self._ttl.values()) + GENERATION_GRACE_S
        self._metrics = metrics
        self._flights: dict[str, _Flight] = {}
        self._index: _Index | None = None
        metrics.track(inner.name)

    # Keys

    def _slot(self, kind: CacheKind, suffix: str, tag: str | None = None) -> _Slot:
        gen_key = self._list_gen if kind is CacheKind.SEARCH else self._customer_gen(suffix)
        return _Slot(f"{self._ns}:{kind.value}:{suffix}", gen_key, tag)

    def _customer_gen(self, customer_id: str) -> str:
        return f"{self._ns}:gen:{customer_id}"

    @property
    def _list_gen(self) -> str:
        return f"{self._ns}:gen"

    # Reads

    async def get_customers(self, ids: Sequence[str]) -> Sequence[Customer | None]:
        async def fetch(indices: list[int]) -> Sequence[Customer | None]:
            return await self.inner.get_customers([ids[i] for i in indices])

        return await self._through(
            CacheKind.CUSTOMER,
            [self._slot(CacheKind.CUSTOMER, i) for i in ids],
            fetch,
            partial(decode_optional, Customer),
        )

    async def search_customers(
        self, query: CustomerQuery, limit: int, cursor: str | None
    ) -> CustomerPage:
        text = json.dumps([encode(query), limit, cursor], sort_keys=True)
        digest = hashlib.sha256(text.encode()).hexdigest()[:32]

        async def fetch(_: list[int]) -> list[CustomerPage]:
            return [await self.inner.search_customers(query, limit, cursor)]

        [page] = await self._through(
            CacheKind.SEARCH,
            [self._slot(CacheKind.SEARCH, digest)],
            fetch,
            partial(decode, CustomerPage),
        )
        return page

    async def contact_index(
        self, build: Callable[[], Coroutine[Any, Any, ContactIndex]]
    ) -> ContactIndex:
        """The index `build` makes, shared by requests while the listing it reads is the
        one this cache serves (see the module docstring); concurrent misses share one
        build. Uncached listings (search TTL 0), or a backend that cannot tell the
        generation, leave every request to build its own."""
        ttl = self._ttl[CacheKind.SEARCH]
        if ttl == 0:
            return await build()
        try:
            [gen] = await self._cache.multi_get([self._list_gen])
        except Exception as exc:
            self._backend_failed(CacheKind.SEARCH, "read", exc)
            return await build()
        kept = self._index
        if kept is not None and kept.gen == gen and time.monotonic() < kept.expires:
            task = kept.task
            if task.done() and not task.cancelled() and task.exception() is None:
                self._metrics.count("hits", self.name, CacheKind.SEARCH)
                return task.result()
            if join(task):
                self._metrics.count("misses", self.name, CacheKind.SEARCH)
                self._metrics.count("coalesced", self.name, CacheKind.SEARCH)
                return await wait_shared(task)
        task = share(build(), self.name)
        entry = self._index = _Index(gen, time.monotonic() + ttl, task)

        def land(done: asyncio.Task[ContactIndex]) -> None:
            if (done.cancelled() or done.exception() is not None) and self._index is entry:
                self._index = None

        task.add_done_callback(land)
        return await wait_shared(task)

    async def get_addresses(self, customers: Sequence[Customer]) -> Sequence[Sequence[Address]]:
        return await self._per_customer(
            CacheKind.ADDRESSES, customers, self.inner.get_addresses, Address, versioned=True
        )

    async def get_payment_sources(
        self, customers: Sequence[Customer]
    ) -> Sequence[Sequence[PaymentSource]]:
        return await self._per_customer(
            CacheKind.PAYMENT_SOURCES,
            customers,
            self.inner.get_payment_sources,
            PaymentSource,
            versioned=not self.capabilities.payment_sources_by_id,
        )

    async def get_orders(self, customers: Sequence[Customer]) -> Sequence[Sequence[Order]]:
        return await self._per_customer(
            CacheKind.ORDERS, customers, self.inner.get_orders, Order, versioned=False
        )

    async def _per_customer(
        self,
        kind: CacheKind,
        customers: Sequence[Customer],
        read: Callable[[Sequence[Customer]], Awaitable[Sequence[Sequence[T]]]],
        cls: type[T],
        *,
        versioned: bool,
    ) -> list[Sequence[T]]:
        async def fetch(indices: list[int]) -> Sequence[Sequence[T]]:
            return await read([customers[i] for i in indices])

        slots = [
            self._slot(kind, c.provider_id, c.version if versioned else None) for c in customers
        ]
        return await self._through(kind, slots, fetch, partial(decode_many, cls))

    async def _through(
        self,
        kind: CacheKind,
        slots: Sequence[_Slot],
        fetch: Callable[[list[int]], Awaitable[Sequence[T]]],
        decoder: Callable[[JSON], T],
    ) -> list[T]:
        """Values aligned with `slots`: cached where valid, else one upstream batch."""
        if self._ttl[kind] == 0:
            return list(await fetch(list(range(len(slots)))))
        first: dict[str, int] = {}
        for index, slot in enumerate(slots):
            first.setdefault(slot.key, index)
        unique = [slots[i] for i in first.values()]
        lookup = await self._lookup(kind, unique, decoder)
        values: dict[str, Any] = dict(lookup.found)
        missing = [s for s in unique if s.key not in values]
        self._metrics.count("hits", self.name, kind, len(values))
        self._metrics.count("misses", self.name, kind, len(missing))
        if missing:
            waits: dict[int, asyncio.Task[dict[str, Any]]] = {}
            own: list[_Slot] = []
            for slot in missing:
                flight = self._flights.get(slot.key)
                if (
                    flight
                    and flight.gen == lookup.gens[slot.gen_key]
                    and flight.tag == slot.tag
                    and join(flight.task)
                ):
                    waits[id(flight.task)] = flight.task
                    self._metrics.count("coalesced", self.name, kind)
                else:
                    own.append(slot)
            if own:
                task = self._start(
                    kind,
                    own,
                    indices=[first[s.key] for s in own],
                    seen=lookup,
                    fetch=fetch,
                    decoder=decoder,
                )
                waits[id(task)] = task
            for task in waits.values():
                values.update(await wait_shared(task))
        return [cast(T, values[s.key]) for s in slots]

    def _start(
        self,
        kind: CacheKind,
        own: list[_Slot],
        *,
        indices: list[int],
        seen: _Lookup,
        fetch: Callable[[list[int]], Awaitable[Sequence[T]]],
        decoder: Callable[[JSON], T],
    ) -> asyncio.Task[dict[str, Any]]:
        """One fetch for `own`, registered so that concurrent misses wait for it."""

        async def run() -> dict[str, Any]:
            again = await self._lookup(kind, own, decoder)
            self._metrics.count("coalesced", self.name, kind, len(again.found))
            rest = [(s, i) for s, i in zip(own, indices, strict=True) if s.key not in again.found]
            if not rest:
                return again.found
            fetched = await fetch([i for _, i in rest])
            values = dict(again.found)
            entries: list[tuple[str, JSON]] = []
            for (slot, _), value in zip(rest, fetched, strict=True):
                values[slot.key] = value
                gen = again.gens[slot.gen_key]
                if gen is not _BACKEND_DOWN:
                    entries.append((slot.key, {"g": gen, "r": slot.tag, "v": encode(value)}))
            await self._store(kind, entries)
            return values

        task = share(run(), self.name)
        flights = {s.key: _Flight(seen.gens[s.gen_key], s.tag, task) for s in own}
        self._flights.update(flights)

        def land(done: asyncio.Task[dict[str, Any]]) -> None:
            for key, flight in flights.items():
                if self._flights.get(key) is flight:
                    del self._flights[key]
            if not done.cancelled():
                done.exception()  # retrieved here too: every waiter may have gone

        task.add_done_callback(land)
        return task

    # Backend

    async def _lookup(
        self, kind: CacheKind, slots: Sequence[_Slot], decoder: Callable[[JSON], Any]
    ) -> _Lookup:
        gen_keys = list(dict.fromkeys(s.gen_key for s in slots))
        try:
            raw = await self._cache.multi_get([s.key for s in slots] + gen_keys)
        except Exception as exc:
            self._backend_failed(kind, "read", exc)
            return _Lookup({}, dict.fromkeys(gen_keys, _BACKEND_DOWN))
        gens: dict[str, object] = dict(zip(gen_keys, raw[len(slots) :], strict=True))
        found: dict[str, Any] = {}
        for slot, entry in zip(slots, raw[: len(slots)], strict=True):
            if (
                isinstance(entry, dict)
                and "v" in entry
                and entry.get("g") == gens[slot.gen_key]
                and entry.get("r") == slot.tag
            ):
                try:
                    found[slot.key] = decoder(entry["v"])
                except CodecError:
                    continue
        return _Lookup(found, gens)

    async def _store(self, kind: CacheKind, entries: list[tuple[str, JSON]]) -> None:
        if not entries:
            return
        try:
            await self._cache.multi_set(entries, ttl=self._ttl[kind])
        except Exception as exc:
            self._backend_failed(kind, "write", exc)

    def _backend_failed(self, kind: CacheKind, operation: str, exc: Exception) -> None:
        # The class name only: a Redis error message may carry the URL and its password.
        log.warning("cache %s failed for %s: %s", operation, self.name.value, type(exc).__name__)
        self._metrics.count("backend_errors", self.name, kind)

    async def _invalidate(self, customer_id: str | None) -> None:
        """New generations for the customer and the provider's lists, in the shared backend."""
        token = secrets.token_hex(8)
        entries: list[tuple[str, JSON]] = [(self._list_gen, token)]
        if customer_id is not None:
            entries.append((self._customer_gen(customer_id), token))
        self._metrics.invalidated(self.name)
        try:
            await self._cache.multi_set(entries, ttl=self._gen_ttl)
        except Exception as exc:
            # The write itself went through; failing it now would invite a retry
            # that writes twice. Other replicas may serve the old state until TTL.
            log.error("cache invalidation failed for %s: %s", self.name.value, type(exc).__name__)
            self._metrics.count("backend_errors", self.name, CacheKind.CUSTOMER)

    # Writes

    async def around(self, call: Call, proceed: Callable[[], Awaitable[T]]) -> T:
        """Reads pass (the read methods above cache them); writes invalidate afterwards,
        also when they failed, since a write can half-happen. A create invalidates the
        id it made: that id may have been read (and found missing) before it existed."""
        if not call.write:
            return await proceed()
        result: T | None = None
        try:
            result = await proceed()
            return result
        finally:
            target = result.provider_id if isinstance(result, Customer) else call.customer_id
            await asyncio.shield(self._invalidate(target))


def read_cache(provider: CustomerProvider) -> CachedProvider | None:
    """The read cache among `provider`'s wrappers (a request's view wraps the app's
    providers again), or None when the app caches nothing."""
    while isinstance(provider, ProviderMiddleware):
        if isinstance(provider, CachedProvider):
            return provider
        provider = provider.inner
    return None
