"""Elastic Path's `filter` language: quoting for the adapter, parsing for the sandbox.

`eq(email,ron@swanson.com):like(name,*swan*)` is a list of conditions joined by `:`
(AND); the beta parser also takes `(a|b)` groups (OR) and `is_null(field)`, and
operands quoted with `"` or `'` where a backslash escapes the next character. The
adapter always quotes its operands, so emails with `+` or names with spaces and
commas survive; the sandbox parses quoted and raw operands alike, as the API does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAX_CONDITIONS = 10
PARSE_ERROR = "Could not parse the supplied filter"


class FilterError(ValueError):
    """A filter the API answers with 400 `Could not parse the supplied filter`."""

    def __init__(self) -> None:
        super().__init__(PARSE_ERROR)


@dataclass(frozen=True, slots=True)
class Condition:
    op: str
    field: str
    operands: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """An OR group: each alternative is itself an AND list."""

    alternatives: tuple[tuple[Node, ...], ...]


Node = Condition | AnyOf


def quote(value: str) -> str:
    """A double-quoted operand with `\\` and `"` escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def condition(op: str, field: str, value: str) -> str:
    return f"{op}({field},{quote(value)})"


def parse(text: str) -> tuple[Node, ...]:
    """The AND list of a whole `filter` value."""
    parser = _Parser(text)
    nodes = parser.conjunction()
    if parser.pos != len(text) or not nodes or parser.count > MAX_CONDITIONS:
        raise FilterError
    return nodes


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.count = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise FilterError
        self.pos += 1

    def conjunction(self) -> tuple[Node, ...]:
        nodes = [self.term()]
        while self.peek() == ":":
            self.pos += 1
            nodes.append(self.term())
        return tuple(nodes)

    def term(self) -> Node:
        if self.peek() == "(":
            self.pos += 1
            alternatives = [self.conjunction()]
            while self.peek() == "|":
                self.pos += 1
                alternatives.append(self.conjunction())
            self.expect(")")
            return AnyOf(tuple(alternatives))
        start = self.pos
        while self.peek().isalpha() or self.peek() == "_":
            self.pos += 1
        op = self.text[start : self.pos]
        if not op:
            raise FilterError
        self.expect("(")
        args = [self.operand()]
        while self.peek() == ",":
            self.pos += 1
            args.append(self.operand())
        self.expect(")")
        self.count += 1
        field = args[0].strip()
        if not field:
            raise FilterError
        return Condition(op, field, tuple(args[1:]))

    def operand(self) -> str:
        while self.peek() == " ":
            self.pos += 1
        if self.peek() in {'"', "'"}:
            return self.quoted(self.text[self.pos])
        start = self.pos
        while self.peek() not in {",", ")", ""}:
            self.pos += 1
        return self.text[start : self.pos]

    def quoted(self, mark: str) -> str:
        self.pos += 1
        out: list[str] = []
        while True:
            char = self.peek()
            if char == "":
                raise FilterError
            self.pos += 1
            if char == "\\":
                if self.peek() == "":
                    raise FilterError
                out.append(self.text[self.pos])
                self.pos += 1
            elif char == mark:
                return "".join(out)
            else:
                out.append(char)


@dataclass(frozen=True, slots=True)
class Field:
    """The operators the sandbox accepts on one attribute, and how it compares values."""

    ops: frozenset[str]
    kind: str = "text"
    """`text` (eq exact, like case-insensitive with `*`) or `time` (ISO, date, epoch ms)."""


def evaluate(
    nodes: tuple[Node, ...], values: Mapping[str, str | None], fields: Mapping[str, Field]
) -> bool:
    """Whether a record (its filterable values) satisfies every node; FilterError if unsupported."""
    return all(_holds(node, values, fields) for node in nodes)


def validate(nodes: tuple[Node, ...], fields: Mapping[str, Field]) -> None:
    """Refuse unsupported fields and operators even when no record is there to test."""
    for node in nodes:
        if isinstance(node, AnyOf):
            for alternative in node.alternatives:
                validate(alternative, fields)
            continue
        spec = fields.get(node.field)
        if node.op == "is_null":
            if spec is None or node.operands:
                raise FilterError
            continue
        if spec is None or node.op not in spec.ops or len(node.operands) != 1:
            raise FilterError
        if spec.kind == "time":
            parse_moment(node.operands[0])


def _holds(node: Node, values: Mapping[str, str | None], fields: Mapping[str, Field]) -> bool:
    if isinstance(node, AnyOf):
        return any(evaluate(alternative, values, fields) for alternative in node.alternatives)
    value = values.get(node.field)
    if node.op == "is_null":
        return value is None
    if value is None:
        return False
    operand = node.operands[0]
    if fields[node.field].kind == "time":
        return _compare_time(node.op, value, operand)
    if node.op == "eq":
        return value == operand
    if node.op == "like":
        return _like(operand).search(value) is not None
    return _compare(node.op, value, operand)


def _like(pattern: str) -> re.Pattern[str]:
    """`*` is a wildcard; without one, `like` means "contains". Case-insensitive."""
    body = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.compile(f"^{body}$" if "*" in pattern else body, re.IGNORECASE | re.DOTALL)


def _compare(op: str, left: Any, right: Any) -> bool:
    checks: dict[str, bool] = {
        "eq": left == right,
        "gt": left > right,
        "ge": left >= right,
        "lt": left < right,
        "le": left <= right,
    }
    if op not in checks:
        raise FilterError
    return checks[op]


def parse_moment(text: str) -> datetime:
    """A filter date: `YYYY-MM-DD` (midnight UTC), an ISO timestamp, or epoch milliseconds."""
    text = text.strip()
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError) as exc:
        raise FilterError from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _compare_time(op: str, stored: str, operand: str) -> bool:
    moment = parse_moment(stored)
    wanted = parse_moment(operand)
    if op == "eq" and len(operand.strip()) == 10:
        return moment.date() == wanted.date()
    return _compare(op, moment, wanted)
