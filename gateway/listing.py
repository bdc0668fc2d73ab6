"""`customers(filter, first, after)`: many providers' streams merged newest first.

Each provider lists its own customers newest first, a page at a time. The merged
cursor carries every provider's own position: the provider cursor of the page its
next customer comes from and how many of that page were already returned, so the
next request refetches that one page per provider and goes on where it stopped.
The page size is fixed in the cursor, because provider cursors are bound to it.
A provider that fails keeps its position (the next page retries it) and is
reported as an error; the others still answer.

A cursor comes back from the client, so everything in it is checked before any
call: the page size, each position's shape, and each provider cursor against that
provider's `IdRules.cursor` (it may become a query parameter or a path). Anything
else is `MalformedId("after")`, BAD_USER_INPUT.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeGuard

import orjson

from gateway.errors import GatewayError, MalformedId
from gateway.model import Customer, CustomerQuery, ProviderName
from gateway.registry import Registry

OLDEST = datetime.min.replace(tzinfo=UTC)
LIMIT_MAX = 100
"""The largest provider page a cursor may ask for (`customers` never asks for more)."""


@dataclass(slots=True)
class _Stream:
    provider: ProviderName
    page_cursor: str | None
    consumed: int
    buffer: list[Customer] = field(default_factory=list)
    next_cursor: str | None = None
    done: bool = False

    def position(self) -> list[object] | None:
        if self.buffer:
            return [self.page_cursor, self.consumed]
        if self.next_cursor is not None:
            return [self.next_cursor, 0]
        return None


@dataclass(frozen=True, slots=True)
class Edge:
    cursor: str
    customer: Customer


@dataclass(frozen=True, slots=True)
class Listing:
    edges: tuple[Edge, ...]
    has_next_page: bool
    failures: dict[ProviderName, BaseException]


def _fingerprint(query: CustomerQuery, providers: Sequence[ProviderName]) -> str:
    text = repr((query, [p.value for p in providers]))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _encode(state: dict[str, object]) -> str:
    """One per edge of a page: orjson, the standard library's compact form at a fraction
    of its cost (issue 16); `_decode` reads either."""
    return base64.urlsafe_b64encode(orjson.dumps(state)).decode()


def _decode(cursor: str, fingerprint: str) -> dict[str, object]:
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise MalformedId("after") from exc
    if not isinstance(state, dict) or state.get("f") != fingerprint:
        raise MalformedId("after")
    return state


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _resumed(registry: Registry, provider: ProviderName, position: object, limit: int) -> _Stream:
    """A provider's stream where the cursor left it: `[provider cursor, consumed]`."""
    if not (isinstance(position, list) and len(position) == 2):
        raise MalformedId("after")
    cursor, consumed = position
    rule = registry.get(provider).capabilities.ids.cursor
    if cursor is not None and not (isinstance(cursor, str) and rule.accepts(cursor)):
        raise MalformedId("after")
    if not (_is_count(consumed) and 0 <= consumed <= limit):
        raise MalformedId("after")
    return _Stream(provider, cursor, consumed)


def _sort_key(customer: Customer, order: Sequence[ProviderName]) -> tuple[datetime, int, str]:
    return (customer.created_at or OLDEST, -order.index(customer.provider), customer.provider_id)


async def list_customers(
    registry: Registry,
    providers: Sequence[ProviderName],
    query: CustomerQuery,
    *,
    first: int,
    after: str | None,
    page_size: int,
) -> Listing:
    fingerprint = _fingerprint(query, providers)
    streams: list[_Stream] = []
    if after is None:
        limit = page_size
        streams = [_Stream(p, None, 0) for p in providers]
    else:
        state = _decode(after, fingerprint)
        size, positions = state.get("l", page_size), state.get("p")
        if not (_is_count(size) and 1 <= size <= LIMIT_MAX and isinstance(positions, dict)):
            raise MalformedId("after")
        limit = size
        for provider in providers:
            position = positions.get(provider.value)
            if position is not None:
                streams.append(_resumed(registry, provider, position, limit))
    failures: dict[ProviderName, BaseException] = {}
    failed_positions: dict[str, list[object]] = {}

    async def fill(stream: _Stream, cursor: str | None, skip: int) -> None:
        try:
            page = await registry.get(stream.provider).search_customers(query, limit, cursor)
        except GatewayError as exc:
            failures[stream.provider] = exc
            failed_positions[stream.provider.value] = [cursor, skip]
            stream.done = True
            stream.buffer, stream.next_cursor = [], None
            return
        stream.page_cursor, stream.consumed = cursor, skip
        stream.buffer = list(page.customers[skip:])
        stream.next_cursor = page.next_cursor

    async def refill() -> None:
        """Fetch the next page of every stream that ran dry but has more."""
        while pending := [s for s in streams if not s.buffer and not s.done and s.next_cursor]:
            await asyncio.gather(*(fill(s, s.next_cursor, 0) for s in pending))

    await asyncio.gather(*(fill(s, s.page_cursor, s.consumed) for s in streams))

    def snapshot() -> str:
        positions = {s.provider.value: p for s in streams if (p := s.position()) is not None}
        positions.update(failed_positions)
        return _encode({"f": fingerprint, "l": limit, "p": positions})

    edges: list[Edge] = []
    order = list(ProviderName)
    while len(edges) < first:
        await refill()
        live = [s for s in streams if s.buffer]
        if not live:
            break
        stream = max(live, key=lambda s: _sort_key(s.buffer[0], order))
        customer = stream.buffer.pop(0)
        stream.consumed += 1
        edges.append(Edge(snapshot(), customer))
    await refill()
    has_next = any(s.buffer for s in streams) or bool(failed_positions)
    return Listing(tuple(edges), has_next, failures)
