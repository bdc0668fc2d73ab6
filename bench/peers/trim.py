"""Trims Square's official OpenAPI spec to what bench/peers asks of it (mesh/NOTICE.md).

The full spec is 3 MB over every Square API; composing it would time the Mesh peer's
composition of APIs no scenario touches. The trimmed copy keeps each kept operation and
every schema it references, verbatim.

usage: python -m bench.peers.trim api.json > bench/peers/mesh/square-openapi.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

OPERATIONS = {
    "/v2/customers": ("get",),
    "/v2/customers/search": ("post",),
    "/v2/customers/{customer_id}": ("get",),
    "/v2/cards": ("get",),
}
"""ListCustomers, SearchCustomers, RetrieveCustomer and ListCards."""

SCHEMA_REF = "#/components/schemas/"


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


def trim(spec: dict[str, Any]) -> dict[str, Any]:
    """The kept operations, the schemas they reach, and the spec's own header."""
    paths = {
        path: {method: spec["paths"][path][method] for method in methods}
        for path, methods in OPERATIONS.items()
    }
    schemas = spec["components"]["schemas"]
    kept: dict[str, Any] = {}
    pending = [ref for ref in _refs(paths) if ref.startswith(SCHEMA_REF)]
    while pending:
        name = pending.pop().removeprefix(SCHEMA_REF)
        if name not in kept:
            kept[name] = schemas[name]
            pending.extend(r for r in _refs(kept[name]) if r.startswith(SCHEMA_REF))
    return {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "servers": spec["servers"],
        "components": {
            "securitySchemes": spec["components"]["securitySchemes"],
            "schemas": dict(sorted(kept.items())),
        },
        "paths": paths,
    }


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as source:
        spec = json.load(source)
    json.dump(trim(spec), sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
