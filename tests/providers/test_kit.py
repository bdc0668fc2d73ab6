"""Table tests of the adapter kit's pure helpers: no network."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from gateway.model import Address
from gateway.providers import kit

NAMES = {"email": "email_address", "given_name": "firstName"}


@pytest.mark.parametrize(
    ("fields", "skip_none", "body"),
    [
        ({}, False, {}),
        ({"email": "a@b.co"}, False, {"email_address": "a@b.co"}),
        ({"email": None}, False, {"email_address": None}),
        ({"email": None}, True, {}),
        ({"email": "", "given_name": "Ada"}, True, {"email_address": "", "firstName": "Ada"}),
        ({"note": "not mapped"}, False, {}),
    ],
)
def test_given_keeps_present_fields_under_native_names(
    fields: Mapping[str, Any], skip_none: bool, body: dict[str, Any]
) -> None:
    assert kit.given(fields, NAMES, skip_none=skip_none) == body


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, False),
        ({"note": "x"}, False),
        ({"email": None}, True),
        ({"note": "x", "given_name": "Ada"}, True),
    ],
)
def test_touches_asks_whether_a_name_is_present(fields: Mapping[str, Any], expected: bool) -> None:
    assert kit.touches(fields, NAMES) is expected


@pytest.mark.parametrize(
    ("address", "body"),
    [
        (Address(id="a"), {}),
        (Address(id="a", line1="1 Main St", city=None), {"address1": "1 Main St"}),
        (Address(id="a", line1="", city="Oslo"), {"address1": "", "city": "Oslo"}),
    ],
)
def test_attrs_reads_set_attributes_under_native_names(
    address: Address, body: dict[str, Any]
) -> None:
    assert kit.attrs(address, {"line1": "address1", "city": "city"}) == body


@pytest.mark.parametrize(
    ("items", "size", "expected"),
    [
        ([], 2, []),
        ([1], 2, [[1]]),
        ([1, 2], 2, [[1, 2]]),
        ([1, 2, 3, 4, 5], 2, [[1, 2], [3, 4], [5]]),
    ],
)
def test_chunks_slice_to_a_batch_limit(
    items: list[int], size: int, expected: list[list[int]]
) -> None:
    assert kit.chunks(items, size) == expected


@pytest.mark.parametrize(
    ("ids", "more", "cursor"),
    [
        ([], True, None),
        ([], False, None),
        (["a", "b"], False, None),
        (["a", "b"], True, "b"),
    ],
)
def test_after_last_points_past_a_page_that_has_more(
    ids: Sequence[str], more: bool, cursor: str | None
) -> None:
    assert kit.after_last(ids, more) == cursor
