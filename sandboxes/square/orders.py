"""SearchOrders' filters and sort as the spec describes them (`SearchOrdersFilter`, `...Sort`).

Filters are ANDed. A list filter with an empty list matches nothing; a `null` one is no
filter. The time filter names one timestamp at most, both bounds inclusive, and the
sort must be on that same timestamp ("Otherwise, SearchOrders throws an error");
orders without the sorted timestamp (open orders have no `closed_at`) come last.
Sorting is by a timestamp only, `CREATED_AT` and `DESC` unless told otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sandboxes.square.errors import SquareApiError
from sandboxes.square.shapes import parse_time

Matcher = Callable[[dict[str, Any]], bool]
TIMESTAMPS = ("created_at", "updated_at", "closed_at")


def _time_window(flt: dict[str, Any], sort_field: str) -> Matcher | None:
    windows = {name: w for name, w in (flt.get("date_time_filter") or {}).items() if w}
    if not windows:
        return None
    if len(windows) > 1:
        raise SquareApiError(
            400,
            "INVALID_VALUE",
            "The time filter takes one of created_at, updated_at or closed_at.",
            "query.filter.date_time_filter",
        )
    [(name, window)] = windows.items()
    if name.upper() != sort_field:
        raise SquareApiError(
            400,
            "INVALID_VALUE",
            f"Filtering on `{name}` needs `query.sort.sort_field` {name.upper()}.",
            "query.sort.sort_field",
        )
    where = f"query.filter.date_time_filter.{name}"
    start, end = window.get("start_at"), window.get("end_at")
    low = parse_time(start, f"{where}.start_at") if start else None
    high = parse_time(end, f"{where}.end_at") if end else None

    def inside(order: dict[str, Any]) -> bool:
        if name not in order:
            return False
        moment = datetime.fromisoformat(order[name].replace("Z", "+00:00"))
        return (low is None or moment >= low) and (high is None or moment <= high)

    return inside


def _in_list(
    values: list[str] | None, read: Callable[[dict[str, Any]], set[str]]
) -> Matcher | None:
    if values is None:
        return None
    wanted = set(values)
    return lambda order: bool(read(order) & wanted)


def order_matcher(query: dict[str, Any]) -> Matcher:
    flt = query.get("filter") or {}
    sort_field = (query.get("sort") or {}).get("sort_field", "CREATED_AT")
    fulfillment = flt.get("fulfillment_filter") or {}
    parts = [
        _time_window(flt, sort_field),
        _in_list(
            (flt.get("state_filter") or {}).get("states") if flt.get("state_filter") else None,
            lambda o: {o["state"]},
        ),
        _in_list(
            (flt.get("customer_filter") or {}).get("customer_ids"),
            lambda o: (
                {o.get("customer_id"), *(t.get("customer_id") for t in o.get("tenders", []))}
                - {None}
            ),
        ),
        _in_list(
            (flt.get("source_filter") or {}).get("source_names"),
            lambda o: {o["source"]["name"]} if o.get("source", {}).get("name") else set(),
        ),
        _in_list(
            fulfillment.get("fulfillment_types"),
            lambda o: {f.get("type") for f in o.get("fulfillments", [])} - {None},
        ),
        _in_list(
            fulfillment.get("fulfillment_states"),
            lambda o: {f.get("state") for f in o.get("fulfillments", [])} - {None},
        ),
    ]
    checks = [part for part in parts if part is not None]
    return lambda order: all(check(order) for check in checks)


def sort_orders(orders: list[dict[str, Any]], sort: dict[str, Any]) -> list[dict[str, Any]]:
    name = str(sort.get("sort_field") or "CREATED_AT").lower()
    descending = (sort.get("sort_order") or "DESC") == "DESC"
    present = sorted(
        (o for o in orders if name in o), key=lambda o: (o[name], o["id"]), reverse=descending
    )
    return present + [o for o in orders if name not in o]


def entry(order: dict[str, Any]) -> dict[str, Any]:
    """What `return_entries` answers instead of the order (`OrderEntry`)."""
    return {
        "order_id": order["id"],
        "version": order["version"],
        "location_id": order["location_id"],
    }
