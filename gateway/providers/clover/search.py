"""Newest first out of an API that lists oldest first and cannot sort.

Clover lists customers in creation order with `limit`/`offset` (at most 1000) and
has no sort parameter, but it filters on `customerSince`. So the listing is built
from `customerSince` windows, newest first:

- A page first asks for everything at or below its position in one call. When
  that answer is not full (fewer than 1000 rows), it is the whole rest: sorted
  here, the page is its newest rows. Merchants with under 1000 customers pay one
  call per page.
- When it is full, the page reads windows `[upper - width, upper]` downwards,
  each paged completely, widening four times while too few rows match, and
  checking the rest again below each window. The width learnt from one page is
  carried to the next, so later pages usually cost one call.
- A page reads at most `WINDOWS_PER_PAGE` windows; a page that found too little
  answers what it has with a cursor below what it read.

The cursor is Clover's own position: the `customerSince` and id of the last row
answered (ties order by id), plus the window width to start with.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from gateway.errors import MalformedId
from gateway.filtering import matches
from gateway.model import Customer, CustomerPage, CustomerQuery
from gateway.providers.clover.client import LIST_MAX
from gateway.providers.clover.mapping import pushdown, to_millis

WINDOWS_PER_PAGE = 3
MIN_WIDTH_MS = 60_000

ListPage = Callable[[Sequence[str], int], Awaitable[list[Customer]]]
"""One v3 list call: (filters, offset) -> customers, `LIST_MAX` per call."""


def since(customer: Customer) -> int:
    return to_millis(customer.created_at) if customer.created_at else 0


def rank(customer: Customer) -> tuple[int, str]:
    return (since(customer), customer.provider_id)


@dataclass(frozen=True, slots=True)
class Position:
    """Where a listing stands: rows ranked below (`upper`, `below_id`) remain."""

    upper: int | None = None
    """Inclusive `customerSince` bound in ms; None: the top."""
    below_id: str | None = None
    """At exactly `upper`, only ids below this one remain; None: all of them."""
    width: int | None = None
    """Window width to start with; None: try the whole rest in one call first."""

    def encode(self) -> str:
        raw = json.dumps([self.upper, self.below_id, self.width], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode()

    @classmethod
    def decode(cls, cursor: str | None) -> Position:
        if cursor is None:
            return cls()
        try:
            upper, below_id, width = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
            raise MalformedId("after") from exc
        if not (
            (upper is None or isinstance(upper, int))
            and (below_id is None or isinstance(below_id, str))
            and (width is None or (isinstance(width, int) and width > 0))
        ):
            raise MalformedId("after")
        return cls(upper, below_id, width)

    def admits(self, customer: Customer) -> bool:
        if self.upper is None:
            return True
        at = since(customer)
        return at < self.upper or (
            at == self.upper and (self.below_id is None or customer.provider_id < self.below_id)
        )


def _at_most(upper: int | None) -> list[str]:
    return [] if upper is None else [f"customerSince<={upper}"]


async def _all(list_page: ListPage, filters: Sequence[str]) -> list[Customer]:
    rows: list[Customer] = []
    while True:
        page = await list_page(filters, len(rows))
        rows += page
        if len(page) < LIST_MAX:
            return rows


def _initial_width(rest: Sequence[Customer], limit: int) -> int:
    """Twice the width that held `limit` rows on average in a full answer."""
    stamps = [since(c) for c in rest]
    span = max(stamps) - min(stamps)
    return max(MIN_WIDTH_MS, span * limit * 2 // LIST_MAX)


@dataclass(frozen=True, slots=True)
class _Page:
    start: Position
    query: CustomerQuery
    limit: int

    def ranked(self, rows: Sequence[Customer]) -> list[Customer]:
        kept = (c for c in rows if self.start.admits(c) and matches(c, self.query))
        return sorted(kept, key=rank, reverse=True)

    def answer(
        self, rows: Sequence[Customer], *, exhausted: bool, resume: Position | None = None
    ) -> CustomerPage:
        """The newest `limit` rows, and where the next page starts."""
        ranked = self.ranked(rows)
        taken = ranked[: self.limit]
        if len(ranked) > self.limit or (not exhausted and resume is None):
            first, last = taken[0], taken[-1]
            width = None if exhausted else max(MIN_WIDTH_MS, 2 * (since(first) - since(last)))
            return CustomerPage(
                tuple(taken), Position(since(last), last.provider_id, width).encode()
            )
        return CustomerPage(tuple(taken), None if exhausted or resume is None else resume.encode())


async def newest_first(
    list_page: ListPage, query: CustomerQuery, limit: int, cursor: str | None, now_ms: int
) -> CustomerPage:
    """One page of customers matching `query`, newest `customerSince` first."""
    start = Position.decode(cursor)
    page = _Page(start, query, max(1, limit))
    base = pushdown(query)
    upper, width = start.upper, start.width
    if width is None:
        rest = await list_page([*base, *_at_most(upper)], 0)
        if len(rest) < LIST_MAX:
            return page.answer(rest, exhausted=True)
        width = _initial_width(rest, page.limit)
    seen: list[Customer] = []
    for _ in range(WINDOWS_PER_PAGE):
        lower = (upper if upper is not None else now_ms) - width + 1
        seen += await _all(list_page, [*base, f"customerSince>={lower}", *_at_most(upper)])
        if len(page.ranked(seen)) >= page.limit:
            return page.answer(seen, exhausted=False)
        upper = lower - 1
        rest = await list_page([*base, *_at_most(upper)], 0)
        if len(rest) < LIST_MAX:
            return page.answer([*seen, *rest], exhausted=True)
        width *= 4
    return page.answer(seen, exhausted=False, resume=Position(upper, None, width))
