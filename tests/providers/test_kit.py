"""Table tests of the adapter kit's pure helpers: no network."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import pytest

from gateway.errors import MalformedId
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


@pytest.mark.parametrize(
    ("template", "ids", "built"),
    [
        (
            "/v2/customers/{}",
            ["JDKYHBWT1D4F8MFH63DBMEN8Y4"],
            "/v2/customers/JDKYHBWT1D4F8MFH63DBMEN8Y4",
        ),
        ("/v2/customers/{}", ["../../B"], "/v2/customers/..%2F..%2FB"),
        ("/v2/customers/{}", ["x/../victim"], "/v2/customers/x%2F..%2Fvictim"),
        ("/v2/customers/{}", ["%2e%2e%2fB"], "/v2/customers/%252e%252e%252fB"),
        ("/v2/customers/{}", ["a?b=c#d"], "/v2/customers/a%3Fb%3Dc%23d"),
        ("/v2/customers/{}", ["a\x00b\n\x7f"], "/v2/customers/a%00b%0A%7F"),
        ("/v2/customers/{}", ["é日"], "/v2/customers/%C3%A9%E6%97%A5"),
        ("/v2/cards/{}/disable", ["ccof:uIbf"], "/v2/cards/ccof%3AuIbf/disable"),
        ("/c/{}/a/{}", ["C1", "A 1"], "/c/C1/a/A%201"),
        ("/v1/{}", ["{}"], "/v1/%7B%7D"),
    ],
)
def test_path_puts_each_id_in_one_escaped_segment(
    template: str, ids: list[str], built: str
) -> None:
    assert kit.path(template, *ids) == built


@pytest.mark.parametrize(
    "value", ["../../B", "x/../y", "%2e%2e", "a?b", "a#b", "\x00", "\r\n", "é", "A" * 10_240]
)
def test_a_built_path_keeps_its_segments_whatever_the_id(value: str) -> None:
    """httpx sends exactly the segments of the template: no dot step, no query, no error."""
    url = httpx.URL("https://provider.example" + kit.path("/v2/customers/{}/addresses", value))
    assert url.raw_path.split(b"/")[1:3] == [b"v2", b"customers"]
    assert url.raw_path.split(b"/")[4:] == [b"addresses"]
    assert (url.query, url.fragment) == (b"", "")


@pytest.mark.parametrize("value", ["", ".", "..", "..."])
def test_a_segment_of_dots_or_nothing_is_refused(value: str) -> None:
    with pytest.raises(MalformedId):
        kit.path("/v2/customers/{}", value)


def test_a_template_takes_exactly_its_number_of_ids() -> None:
    with pytest.raises(ValueError, match="2 slots for 1 ids"):
        kit.path("/c/{}/a/{}", "C1")
