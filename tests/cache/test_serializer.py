"""The cache's JSON (`gateway.cache.JsonBytes`): every value comes back exactly."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.cache import JsonBytes

VALUES: list[Any] = [
    None,
    "text",
    "naïve — ünïcode ✓",
    0,
    -(2**63),
    2**64 - 1,
    2**64,
    -(2**70),
    1.5,
    True,
    [],
    {},
    {"customers": [{"id": "A", "native": {"big": 12345678901234567890123, "n": 1}}]},
    [{"nested": [[1, 2], {"k": None}]}],
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_value_reads_back_as_written(value: Any) -> None:
    serializer = JsonBytes()
    stored = serializer.dumps(value)
    assert isinstance(stored, bytes)
    back = serializer.loads(stored)
    assert back == value
    assert type(back) is type(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [('{"a": [1, "b"]}', {"a": [1, "b"]}), (b'"x"', "x"), ("123", 123)],
)
def test_plain_json_written_before_still_reads(text: str | bytes, value: Any) -> None:
    assert JsonBytes().loads(text) == value


def test_nothing_stored_reads_as_nothing() -> None:
    assert JsonBytes().loads(None) is None
