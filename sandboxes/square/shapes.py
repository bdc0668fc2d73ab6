"""How Square reads a request before acting on it: JSON types, enums, lengths, ranges, times.

A client must learn what is wrong with its request from Square's own generic codes
(the spec's `x-square-generic-error-codes`), never from a 500: a wrong type is
`EXPECTED_<TYPE>`, `null` where the spec does not mark a field nullable is the same,
a value outside an enum is `INVALID_ENUM_VALUE`, a string past its documented
maximum `VALUE_TOO_LONG`, a number out of range `VALUE_TOO_LOW`/`VALUE_TOO_HIGH`,
a field the request does not define `UNKNOWN_BODY_PARAMETER`, and a time that is
not RFC 3339 with a UTC offset, or names no real instant, `INVALID_TIME`. The first
problem found is the answer, with `field` naming its dotted path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Request

from sandboxes.kit import json_object
from sandboxes.square.errors import SquareApiError, bad_body

INT64 = (-(2**63), 2**63 - 1)
RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


@dataclass(frozen=True)
class Shape:
    """What one JSON value may be; `nullable` as the spec marks it."""

    nullable: bool = False
    expected: str = "EXPECTED_OBJECT"


@dataclass(frozen=True)
class Str(Shape):
    expected: str = "EXPECTED_STRING"
    max_len: int | None = None
    min_len: int = 0


@dataclass(frozen=True)
class Time(Shape):
    """An RFC 3339 timestamp with its offset, e.g. `2024-01-31T09:30:00Z`."""

    expected: str = "EXPECTED_STRING"


@dataclass(frozen=True)
class Int(Shape):
    """An integer within `low`..`high`, which default to Square's int64."""

    expected: str = "EXPECTED_INTEGER"
    low: int = INT64[0]
    high: int = INT64[1]


@dataclass(frozen=True)
class Bool(Shape):
    expected: str = "EXPECTED_BOOLEAN"


@dataclass(frozen=True)
class Enum(Shape):
    expected: str = "EXPECTED_STRING"
    values: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Arr(Shape):
    expected: str = "EXPECTED_ARRAY"
    item: Shape = field(default_factory=Str)
    max_items: int | None = None
    min_items: int = 0


@dataclass(frozen=True)
class Obj(Shape):
    fields: Mapping[str, Shape] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    read_only: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Map(Shape):
    """A JSON object used as a map (BulkCreate's idempotency keys, BulkUpdate's ids)."""

    expected: str = "EXPECTED_MAP"
    value: Shape = field(default_factory=Obj)
    min_entries: int = 0
    max_entries: int | None = None


def _refuse(code: str, detail: str, path: str) -> SquareApiError:
    return SquareApiError(400, code, detail, path or None)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def read(value: Any, shape: Shape, path: str = "") -> None:
    """Raise the error Square answers for the first way `value` breaks `shape`."""
    name = path or "body"
    if value is None:
        if shape.nullable:
            return
        raise _refuse(shape.expected, f"Expected `{name}` to have a value, not null.", path)
    if isinstance(shape, Str | Time | Enum):
        if not isinstance(value, str):
            raise _refuse(shape.expected, f"Expected `{name}` to be a string.", path)
        _read_text(value, shape, name, path)
    elif isinstance(shape, Int):
        _read_int(value, shape, name, path)
    elif isinstance(shape, Bool):
        if not isinstance(value, bool):
            raise _refuse(shape.expected, f"Expected `{name}` to be a boolean.", path)
    elif isinstance(shape, Arr):
        _read_array(value, shape, name, path)
    elif isinstance(shape, Map):
        _read_map(value, shape, name, path)
    elif isinstance(shape, Obj):
        _read_object(value, shape, name, path)


def _read_text(value: str, shape: Str | Time | Enum, name: str, path: str) -> None:
    if isinstance(shape, Enum):
        if value not in shape.values:
            raise _refuse("INVALID_ENUM_VALUE", f"`{value[:40]}` is not a valid `{name}`.", path)
    elif isinstance(shape, Time):
        parse_time(value, path)
    else:
        if shape.max_len is not None and len(value) > shape.max_len:
            raise _refuse(
                "VALUE_TOO_LONG", f"`{name}` must be at most {shape.max_len} characters.", path
            )
        if len(value) < shape.min_len:
            raise _refuse(
                "VALUE_TOO_SHORT", f"`{name}` must be at least {shape.min_len} characters.", path
            )


def _read_int(value: Any, shape: Int, name: str, path: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _refuse(shape.expected, f"Expected `{name}` to be an integer.", path)
    if value < shape.low:
        raise _refuse("VALUE_TOO_LOW", f"`{name}` must be at least {shape.low}.", path)
    if value > shape.high:
        raise _refuse("VALUE_TOO_HIGH", f"`{name}` must be at most {shape.high}.", path)


def _read_array(value: Any, shape: Arr, name: str, path: str) -> None:
    if not isinstance(value, list):
        raise _refuse(shape.expected, f"Expected `{name}` to be an array.", path)
    if shape.max_items is not None and len(value) > shape.max_items:
        raise _refuse(
            "ARRAY_LENGTH_TOO_LONG", f"`{name}` takes at most {shape.max_items} items.", path
        )
    if len(value) < shape.min_items:
        code = "ARRAY_EMPTY" if not value else "ARRAY_LENGTH_TOO_SHORT"
        raise _refuse(code, f"`{name}` needs at least {shape.min_items} items.", path)
    for index, item in enumerate(value):
        read(item, shape.item, f"{path}[{index}]")


def _read_map(value: Any, shape: Map, name: str, path: str) -> None:
    if not isinstance(value, dict):
        raise _refuse(shape.expected, f"Expected `{name}` to be a map.", path)
    if shape.max_entries is not None and len(value) > shape.max_entries:
        raise _refuse(
            "TOO_MANY_MAP_ENTRIES", f"`{name}` takes at most {shape.max_entries} entries.", path
        )
    if len(value) < shape.min_entries:
        raise _refuse("VALUE_EMPTY", f"`{name}` needs at least {shape.min_entries} entry.", path)
    for key, item in value.items():
        if not key:
            raise _refuse("MAP_KEY_LENGTH_TOO_SHORT", f"A key of `{name}` is empty.", path)
        read(item, shape.value, _join(path, key))


def _read_object(value: Any, shape: Obj, name: str, path: str) -> None:
    if not isinstance(value, dict):
        raise _refuse(shape.expected, f"Expected `{name}` to be an object.", path)
    for key, item in value.items():
        where = _join(path, key)
        if key in shape.read_only:
            raise _refuse("INVALID_VALUE", f"`{where}` is read-only.", where)
        if key not in shape.fields:
            raise _refuse("UNKNOWN_BODY_PARAMETER", f"Unknown field `{where}`.", where)
        read(item, shape.fields[key], where)
    for key in shape.required:
        if key not in value:
            where = _join(path, key)
            raise _refuse("MISSING_REQUIRED_PARAMETER", f"Missing required `{where}`.", where)


def parse_time(value: str, path: str) -> datetime:
    """An RFC 3339 instant; no offset, or a date that does not exist, is `INVALID_TIME`."""
    if RFC3339.fullmatch(value):
        try:
            return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        except ValueError:
            pass
    raise _refuse(
        "INVALID_TIME", f"`{value[:40]}` is not an RFC 3339 time with a UTC offset.", path
    )


def read_query(params: Mapping[str, str], shapes: Mapping[str, Shape]) -> dict[str, Any]:
    """The query parameters `shapes` names, typed; a malformed one is `INVALID_VALUE`."""
    out: dict[str, Any] = {}
    for name, shape in shapes.items():
        raw = params.get(name)
        if raw is None:
            continue
        value: Any = raw
        if isinstance(shape, Int):
            if not re.fullmatch(r"[+-]?\d{1,18}", raw):
                raise _refuse("INVALID_VALUE", f"`{name}` must be an integer.", name)
            value = int(raw)
        elif isinstance(shape, Bool):
            if raw not in ("true", "false"):
                raise _refuse("INVALID_VALUE", f"`{name}` must be true or false.", name)
            value = raw == "true"
        read(value, shape, name)
        out[name] = value
    return out


async def read_body(request: Request, shape: Obj) -> dict[str, Any]:
    """The JSON object body, which every Square request that has one must send."""
    body = await json_object(request, bad_body, required=True)
    read(body, shape)
    return body
