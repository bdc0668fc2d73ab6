"""Elastic Path's `filter` parameter, read from elasticpath.md §6 for the emulator.

"`filter=` operators joined by `:` (logical AND); the beta parser also accepts
`(a|b)` OR groups and `is_null(field)`." "`like` uses `*` wildcards
(`like(name,*swan*)`). Quoted operands allowed (`eq(name,"Ron Swanson")`, `'` or
`"`, backslash-escaped). Dates as `YYYY-MM-DD` or full ISO timestamps or epoch ms.
Max 10 filters, max 8 KB per request; malformed or unsupported → 400 ... `Could not
parse the supplied filter`." The SDK's `like(name,jon)` (no `*`) finds "Jonathan",
so `like` without a wildcard means "contains"; by the rulings `eq` compares exactly
and `like` ignores case. A filter compiles to a predicate over a record's filterable
values, so an unsupported field or operator is refused even when nothing is listed.
With `EP-Disable-Beta-Filtering: true` only the classic language is read: an OR group
or `is_null` is then unparsable. The order attributes the orders spec lists but this
sandbox holds no data for (an order's products) are refused as `NotHeld`.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

MAX_CONDITIONS = 10
MAX_LENGTH = 8 * 1024
UNPARSABLE = "Could not parse the supplied filter"
ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
COMPARE_OPS = frozenset(ORDERINGS)
TEXT_OPS = frozenset({"eq", "like"})

Values = Mapping[str, str | None]
Predicate = Callable[[Values], bool]


class Unparsable(ValueError):
    """Any filter the API answers with 400 `Could not parse the supplied filter`."""


class NotHeld(Unparsable):
    """A documented attribute whose data the sandbox does not keep."""


@dataclass(frozen=True)
class Attribute:
    """A filterable attribute: its operators, how its values compare, whether it is held."""

    ops: frozenset[str]
    kind: Literal["text", "moment", "number"] = "text"
    held: bool = True


CUSTOMER_FILTERS = {
    "email": Attribute(TEXT_OPS),
    "name": Attribute(TEXT_OPS),
    "id": Attribute(COMPARE_OPS),
    "created_at": Attribute(COMPARE_OPS, "moment"),
    "updated_at": Attribute(COMPARE_OPS, "moment"),
    "external_ref": Attribute(frozenset({"eq"})),
}
ORDER_FILTERS = {
    "status": Attribute(frozenset({"eq"})),
    "payment": Attribute(frozenset({"eq"})),
    "shipping": Attribute(frozenset({"eq"})),
    "name": Attribute(TEXT_OPS),
    "email": Attribute(TEXT_OPS),
    "customer_id": Attribute(TEXT_OPS),
    "account_id": Attribute(TEXT_OPS),
    "account_member_id": Attribute(TEXT_OPS),
    "contact.name": Attribute(TEXT_OPS),
    "contact.email": Attribute(TEXT_OPS),
    "shipping_postcode": Attribute(TEXT_OPS),
    "billing_postcode": Attribute(TEXT_OPS),
    "with_tax": Attribute(COMPARE_OPS - {"eq"}, "number"),
    "without_tax": Attribute(COMPARE_OPS - {"eq"}, "number"),
    "currency": Attribute(frozenset({"eq"})),
    "product_id": Attribute(frozenset({"eq"}), held=False),
    "product_sku": Attribute(frozenset({"eq"}), held=False),
    "created_at": Attribute(COMPARE_OPS, "moment"),
    "updated_at": Attribute(COMPARE_OPS, "moment"),
    "external_ref": Attribute(TEXT_OPS),
    "order_number": Attribute(TEXT_OPS),
}
"""The orders spec's table: `with_tax`/`without_tax` take `gt ge lt le` on integers."""


def compile_filter(
    text: str, attributes: Mapping[str, Attribute], *, beta: bool = True
) -> Predicate:
    """The predicate a whole `filter` value stands for; `Unparsable` if it is not one."""
    if len(text.encode()) > MAX_LENGTH:
        raise Unparsable(text)
    reader = _Reader(text, attributes, beta=beta)
    predicate = reader.all_of()
    if reader.rest or reader.conditions > MAX_CONDITIONS:
        raise Unparsable(text)
    return predicate


class _Reader:
    """Consumes the filter text from the left, one construct at a time."""

    CALL = re.compile(r"\s*([a-z_]+)\(")

    def __init__(self, text: str, attributes: Mapping[str, Attribute], *, beta: bool) -> None:
        self.rest = text
        self.attributes = attributes
        self.beta = beta
        self.conditions = 0

    def take(self, token: str) -> bool:
        if self.rest.startswith(token):
            self.rest = self.rest[len(token) :]
            return True
        return False

    def all_of(self) -> Predicate:
        parts = [self.one()]
        while self.take(":"):
            parts.append(self.one())
        return lambda values: all(part(values) for part in parts)

    def one(self) -> Predicate:
        if self.beta and self.take("("):
            options = [self.all_of()]
            while self.take("|"):
                options.append(self.all_of())
            if not self.take(")"):
                raise Unparsable(self.rest)
            return lambda values: any(option(values) for option in options)
        call = self.CALL.match(self.rest)
        if call is None:
            raise Unparsable(self.rest)
        self.rest = self.rest[call.end() :]
        args = [self.argument()]
        while self.take(","):
            args.append(self.argument())
        if not self.take(")"):
            raise Unparsable(self.rest)
        self.conditions += 1
        return self.condition(call[1], args[0].strip(), args[1:])

    def argument(self) -> str:
        self.rest = self.rest.lstrip(" ")
        quote = self.rest[:1]
        if quote not in {'"', "'"}:
            end = re.search(r"[,)]", self.rest)
            if end is None:
                raise Unparsable(self.rest)
            value, self.rest = self.rest[: end.start()], self.rest[end.start() :]
            return value
        quoted = re.match(rf"{quote}((?:\\.|[^\\{quote}])*){quote}\s*", self.rest, re.DOTALL)
        if quoted is None:
            raise Unparsable(self.rest)
        self.rest = self.rest[quoted.end() :]
        return re.sub(r"\\(.)", r"\1", quoted[1], flags=re.DOTALL)

    def condition(self, op: str, field: str, operands: list[str]) -> Predicate:
        attribute = self.attributes.get(field)
        if attribute is None:
            raise Unparsable(field)
        if not attribute.held:
            raise NotHeld(field)
        if op == "is_null" and self.beta:
            if operands:
                raise Unparsable(op)
            return lambda values: values.get(field) is None
        if op not in attribute.ops or len(operands) != 1:
            raise Unparsable(op)
        test = TESTS[attribute.kind](op, operands[0])
        return lambda values: (value := values.get(field)) is not None and test(value)


def _text_test(op: str, operand: str) -> Callable[[str], bool]:
    if op == "like":
        parts = [re.escape(part) for part in operand.split("*")]
        pattern = "^" + ".*".join(parts) + "$" if len(parts) > 1 else parts[0]
        compiled = re.compile(pattern, re.IGNORECASE | re.DOTALL)
        return lambda value: compiled.search(value) is not None
    ordering = ORDERINGS[op]
    return lambda value: ordering(value, operand)


def _moment_test(op: str, operand: str) -> Callable[[str], bool]:
    wanted = moment(operand)
    if op == "eq" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", operand.strip()):
        return lambda value: moment(value).date() == wanted.date()
    ordering = ORDERINGS[op]
    return lambda value: ordering(moment(value), wanted)


def _number_test(op: str, operand: str) -> Callable[[str], bool]:
    try:
        wanted = int(operand.strip())
    except ValueError as exc:
        raise Unparsable(operand) from exc
    ordering = ORDERINGS[op]
    return lambda value: ordering(int(value), wanted)


TESTS: dict[str, Callable[[str, str], Callable[[str], bool]]] = {
    "text": _text_test,
    "moment": _moment_test,
    "number": _number_test,
}


def moment(text: str) -> datetime:
    """A date (midnight UTC), an ISO timestamp (UTC unless it says), or epoch milliseconds."""
    text = text.strip()
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        parsed = datetime.fromisoformat(text)
    except (ValueError, OverflowError) as exc:
        raise Unparsable(text) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
