"""A listed page's nested reads, made for the whole page at once before its customers
answer.

Each listed customer's `addresses`, `paymentSources` and `orders` used to be a
coroutine of its own, which graphql-core wraps in a task and gathers per list: for a
warm page of 50 customers with their addresses that was half the request's time,
though the loaders had batched the reads into one call per provider (issue 16). The
listing now asks the loaders for every customer's parts it selects, in the same
batches, waits for them once, and hands each customer its outcomes (`Parts`); the
fields then answer at once, a failed provider handled as `schema.partial.known_part`
says, exactly as before. A customer outside a listing (`customer`, `node`,
`_entities`, `sameAs`) has no `Parts` and reads through the loaders as always.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from gateway import model
from gateway.loaders import ByProvider
from gateway.model import ProviderName
from schema.context import Info
from schema.partial import fields_on

if TYPE_CHECKING:
    from schema.types import Customer

T = TypeVar("T")

Outcome = Sequence[T] | BaseException
"""What a loader gave for one customer: its records, or the error."""

PAYMENT_SOURCE_FIELDS = frozenset({"paymentSources", "defaultPaymentSource"})


@dataclass(frozen=True, slots=True)
class Parts:
    """One listed customer's nested reads, None for each its page did not select."""

    addresses: Outcome[model.Address] | None = None
    payment_sources: Outcome[model.PaymentSource] | None = None
    orders: Outcome[model.Order] | None = None


class _Read(Generic[T]):
    """One loader's reads for a page, started together so they batch as before."""

    def __init__(self, loader: ByProvider[model.Customer, Sequence[T]]) -> None:
        self._loader = loader
        self.futures: dict[int, asyncio.Future[Sequence[T]]] = {}

    def load(self, index: int, record: model.Customer) -> None:
        self.futures[index] = self._loader.start(record)

    def outcome(self, index: int) -> Outcome[T]:
        future = self.futures[index]
        error = future.exception()
        return future.result() if error is None else error


def _tightest_first(info: Info, records: Sequence[model.Customer]) -> list[int]:
    """The records' indexes, those of providers allowing the fewest requests in flight
    first. Such a provider needs several waves for the page (Clover: 5 in flight for a
    dozen order listings), so its page is the longest path: its batches go out before
    the others', and its answers arrive before the others' answers take the event
    loop. Unbounded providers keep the page's order."""
    registry = info.context.registry
    bounds: dict[ProviderName, float] = {}
    for name in {record.provider for record in records}:
        limit = registry.get(name).capabilities.rate_limit
        bounds[name] = limit.concurrent if limit is not None and limit.concurrent else math.inf
    return sorted(range(len(records)), key=lambda index: bounds[records[index].provider])


def customer_fields(info: Info, connection: str | None) -> set[str]:
    """The names selected on each customer of the listing `info` resolves: on the list
    itself (`connection` None), or on a connection's `nodes` and `edges.node`."""
    asked: set[str] = set()
    for root in info.selected_fields:
        if connection is None:
            asked.update(f.name for f in fields_on(root.selections, "Customer"))
            continue
        for field in fields_on(root.selections, connection):
            if field.name == "nodes":
                asked.update(f.name for f in fields_on(field.selections, "Customer"))
            elif field.name == "edges":
                for edge in fields_on(field.selections, "CustomerEdge"):
                    if edge.name == "node":
                        asked.update(f.name for f in fields_on(edge.selections, "Customer"))
    return asked


async def read_parts(
    info: Info, customers: Sequence[Customer], connection: str | None = None
) -> None:
    """Read the listed customers' selected parts, and give each customer its own."""
    asked = customer_fields(info, connection)
    loaders = info.context.loaders
    records = [customer.record for customer in customers]
    addresses = _Read(loaders.addresses_by_customer) if "addresses" in asked else None
    payment_sources = (
        _Read(loaders.payment_sources_by_customer)
        if not asked.isdisjoint(PAYMENT_SOURCE_FIELDS)
        else None
    )
    orders = _Read(loaders.orders_by_customer) if "orders" in asked else None
    reads: list[_Read[Any]] = [r for r in (addresses, payment_sources, orders) if r is not None]
    if not records or not reads:
        return
    if "sameAs" in asked:
        loaders.contact_indexes.start()
    for index in _tightest_first(info, records):
        for read in reads:
            read.load(index, records[index])
    for read in reads:
        for future in read.futures.values():
            if not future.done():  # a batch resolves all its futures at once: few waits
                await asyncio.wait((future,))
    for index, customer in enumerate(customers):
        customer.parts = Parts(
            addresses=addresses.outcome(index) if addresses else None,
            payment_sources=payment_sources.outcome(index) if payment_sources else None,
            orders=orders.outcome(index) if orders else None,
        )
