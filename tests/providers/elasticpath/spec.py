"""Elastic Path's OpenAPI specs as the tests read them: vendored, trimmed, with errata.

`spec/*.json` are three of the specs in `elasticpath/elasticpath-dev` (MIT; commit,
paths and licence in `spec/NOTICE.md`), trimmed to the operations the emulator
implements. Elastic Path publishes no spec for the customers endpoints themselves;
those are held to the docs and the JS SDK (tests/elasticpath_sdk) instead.

The specs contradict their own prose and examples in a few places. Each erratum below
is applied to the loaded copy only, names what the published text says, and is the
least change that makes the schema say it too; the vendored files stay as published.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import schemathesis

SPEC_DIR = Path(__file__).parent / "spec"
ERROR_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "status": {"type": "string"},
                    "title": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
        }
    },
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": copy.deepcopy(ERROR_RESPONSE)}},
    }


def address_create_on_the_collection(spec: dict[str, Any]) -> None:
    """The spec hangs `POST` (create an address) on `.../addresses/{addressID}` while
    declaring only `customerID`; the SDK and the 2020 docs post to the collection
    (elasticpath.md §4). Moved there."""
    paths = spec["paths"]
    paths["/v2/customers/{customerID}/addresses"]["post"] = paths[
        "/v2/customers/{customerID}/addresses/{addressID}"
    ].pop("post")


def address_fields_clear_with_null(spec: dict[str, Any]) -> None:
    """Types the address attributes `string` only, though a partial `PUT` must be able to
    clear one; how is undocumented (elasticpath.md §5) and the sandbox's ruling is that
    `null` clears, as the adapter sends it. Nullable here."""
    for field in spec["components"]["schemas"]["Address"]["properties"].values():
        if field.get("type") == "string":
            field["type"] = ["string", "null"]


def order_errors_are_the_error_envelope(spec: dict[str, Any]) -> None:
    """Types `Response.Error` as an `array` with an error's properties, while its own
    401 example is the `{"errors": ...}` object every Elastic Path error is."""
    spec["components"]["schemas"]["Response.Error"] = copy.deepcopy(ERROR_RESPONSE)


def page_links_may_be_null(spec: dict[str, Any]) -> None:
    """Types `Response.PageLinks` `string` but says `last`, `next` and `prev` are `null`
    where there is no such page."""
    links = spec["components"]["schemas"]["Response.PageLinks"]["properties"]
    for name in ("last", "next", "prev"):
        links[name]["type"] = ["string", "null"]


def order_refusals_are_documented(spec: dict[str, Any]) -> None:
    """Documents only 200 and 401, though `GET /v2/orders`'s text describes the filters
    and the 10,000 offset cap whose misuse is a 400 (the errors guide's filter error),
    and an order id that does not exist is the 404 every Elastic Path read answers."""
    spec["paths"]["/v2/orders"]["get"]["responses"]["400"] = _error("Bad Request")
    spec["paths"]["/v2/orders/{orderID}"]["get"]["responses"]["404"] = _error("Not Found")


Erratum = Callable[[dict[str, Any]], None]
ERRATA: dict[str, tuple[Erratum, ...]] = {
    "authentication.json": (),
    "customeraddresses.json": (address_create_on_the_collection, address_fields_clear_with_null),
    "orders.json": (
        order_errors_are_the_error_envelope,
        page_links_may_be_null,
        order_refusals_are_documented,
    ),
}


def load(name: str) -> schemathesis.BaseSchema:
    """One vendored spec with its errata applied."""
    raw = json.loads((SPEC_DIR / name).read_text())
    for erratum in ERRATA[name]:
        erratum(raw)
    return schemathesis.openapi.from_dict(raw)
