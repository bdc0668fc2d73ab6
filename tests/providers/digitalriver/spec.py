"""Digital River's OpenAPI document as the tests read it: vendored, trimmed, with errata.

`spec/digitalriver.json` is Digital River's API reference document `2021-12-13.json`
as the `futurecorporation/digital-river-php` SDK ships it (MIT; commit and notice in
`spec/NOTICE.md`), trimmed to the operations the emulator implements and the schemas
they use. Each erratum below is applied to the loaded copy only and names what it
corrects; the vendored file stays as published.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import schemathesis

SPEC_FILE = Path(__file__).parent / "spec" / "digitalriver.json"


def update_clears_with_null(spec: dict[str, Any]) -> None:
    """`UpdateCustomerRequest` types its fields without `nullable`, though an update must
    be able to clear one; how is undocumented (digitalriver.md §5) and the sandbox's
    ruling is that a top-level `null` clears, as the adapter sends it."""
    fields = spec["components"]["schemas"]["UpdateCustomerRequest"]["properties"]
    for name, field in fields.items():
        fields[name] = {"allOf": [field], "nullable": True} if "$ref" in field else field
        fields[name]["nullable"] = True


ERRATA: tuple[Callable[[dict[str, Any]], None], ...] = (update_clears_with_null,)


def load() -> schemathesis.BaseSchema:
    """The vendored document with its errata applied."""
    raw = json.loads(SPEC_FILE.read_text())
    for erratum in ERRATA:
        erratum(raw)
    return schemathesis.openapi.from_dict(raw)
