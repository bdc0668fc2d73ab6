"""What `GET /customers` and `GET /orders` filter on: every query parameter the OpenAPI
document lists for them, applied to the records, and any other name refused.

A parameter names a field; `createdTime[gte]=...` style ranges (the document's
`deepObject` parameters) take `eq gt gte lt lte`, a bare value means `eq`. `ids` and
`upstreamIds` take a comma-separated list and may also be repeated; `email` compares
case-insensitively; booleans are `true` or `false`. A value that is not of the
parameter's type is 400 `invalid_parameter`, an unknown name or range operator 400
`unknown_parameter`. Paging (`limit`, `startingAfter`, `endingBefore`) is the routes'.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sandboxes.digitalriver.errors import ApiError, invalid
from sandboxes.digitalriver.rules import parse_time

PAGING = frozenset({"limit", "startingAfter", "endingBefore"})
RANGE_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
_NAME = re.compile(r"^(?P<name>[^\[\]]+)(?:\[(?P<op>[^\[\]]*)\])?$")

Kind = Literal["text", "email", "boolean", "time", "amount", "ids"]
Predicate = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Field:
    """Where a filter's value lives in a record (a list on the way matches any item),
    how it compares, and whether it takes `[op]` ranges."""

    path: tuple[str, ...]
    kind: Kind = "text"
    ranges: bool = False


def _time(*path: str) -> Field:
    return Field(path, "time", ranges=True)


CUSTOMER_FIELDS = {
    "createdTime": _time("createdTime"),
    "updatedTime": _time("updatedTime"),
    "email": Field(("email",), "email"),
    "ids": Field(("id",), "ids"),
    "requestToBeForgotten": Field(("requestToBeForgotten",), "boolean"),
}
ORDER_STATES = (
    "in_review",
    "pending_payment",
    "accepted",
    "blocked",
    "cancelled",
    "fulfilled",
    "complete",
    "returned",
)
"""The states whose `stateTransitions` time the document lets a list filter on."""
ORDER_EQUALITIES = (
    "state",
    "customerId",
    "checkoutId",
    "applicationId",
    "currency",
    "fraudState",
    "browserIp",
    "chargeType",
    "subscriptionId",
    "locale",
    "customerType",
)
ORDER_FIELDS = {
    "createdTime": _time("createdTime"),
    "updatedTime": _time("updatedTime"),
    "ids": Field(("id",), "ids"),
    "upstreamIds": Field(("upstreamId",), "ids"),
    "totalAmount": Field(("totalAmount",), "amount", ranges=True),
    "refundedAmount": Field(("refundedAmount",), "amount"),
    "email": Field(("email",), "email"),
    "skuId": Field(("items", "skuId")),
    **{name: Field((name,)) for name in ORDER_EQUALITIES},
    **{state: _time("stateTransitions", state) for state in ORDER_STATES},
    **{
        f"fraudStateTransitions.{state}": _time("fraudStateTransitions", state)
        for state in ("blocked", "review_opened", "passed")
    },
}


def split(
    params: Sequence[tuple[str, str]], fields: Mapping[str, Field]
) -> tuple[dict[str, str], list[Predicate]]:
    """The paging values, and one predicate per filter parameter."""
    paging: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    predicates: list[Predicate] = []
    for raw_name, value in params:
        if raw_name in PAGING:
            paging[raw_name] = value
            continue
        parsed = _NAME.match(raw_name)
        field = fields.get(parsed["name"]) if parsed else None
        op = parsed["op"] if parsed else None
        if parsed is None or field is None or (op is not None and not field.ranges):
            raise _unknown(raw_name)
        if op is not None and op not in RANGE_OPS:
            raise _unknown(raw_name)
        if field.kind == "ids":
            lists.setdefault(raw_name, []).extend(part for part in value.split(",") if part)
        else:
            predicates.append(_predicate(field, op or "eq", value, raw_name))
    for name, wanted in lists.items():
        predicates.append(_one_of(fields[name].path, frozenset(wanted)))
    return paging, predicates


def _unknown(name: str) -> ApiError:
    return ApiError(400, "unknown_parameter", f"Unknown parameter '{name}'.", name)


def values_at(record: Any, path: Sequence[str]) -> Iterator[Any]:
    """Every value at `path`, through lists; none where the record has no such field."""
    if isinstance(record, list):
        for item in record:
            yield from values_at(item, path)
    elif not path:
        if record is not None:
            yield record
    elif isinstance(record, Mapping):
        yield from values_at(record.get(path[0]), path[1:])


def _one_of(path: tuple[str, ...], wanted: frozenset[str]) -> Predicate:
    return lambda record: any(str(v) in wanted for v in values_at(record, path))


def _predicate(field: Field, op: str, raw: str, parameter: str) -> Predicate:
    compare = RANGE_OPS[op]
    if field.kind == "time":
        bound = parse_time(raw, parameter)
        return lambda record: any(
            compare(parse_time(str(v), parameter), bound) for v in values_at(record, field.path)
        )
    if field.kind == "amount":
        amount = _amount(raw, parameter)
        return lambda record: any(
            isinstance(v, int | float) and compare(v, amount) for v in values_at(record, field.path)
        )
    if field.kind == "boolean":
        if raw not in {"true", "false"}:
            raise invalid(parameter, f"'{parameter}' must be true or false.")
        flag = raw == "true"
        return lambda record: any(v is flag for v in values_at(record, field.path))
    if field.kind == "email":
        wanted = raw.strip().lower()
        return lambda record: any(
            str(v).strip().lower() == wanted for v in values_at(record, field.path)
        )
    return lambda record: any(str(v) == raw for v in values_at(record, field.path))


def _amount(raw: str, parameter: str) -> float:
    try:
        amount = float(raw)
    except ValueError as exc:
        raise invalid(parameter, f"'{raw}' is not an amount.") from exc
    if not math.isfinite(amount):
        raise invalid(parameter, f"'{raw}' is not an amount.")
    return amount
