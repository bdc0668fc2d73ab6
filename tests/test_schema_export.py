"""The committed SDL is what the code exports, and it holds the public contract."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)

from schema.schema import schema

ROOT = Path(__file__).resolve().parents[1]
CONTRACT_NAMES = Path(__file__).with_name("contract") / "contract_names.txt"


def test_committed_schema_is_current() -> None:
    exported = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "export-schema"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    committed = (ROOT / "schema" / "schema.graphql").read_text()
    assert exported == committed, "run: customer-gateway export-schema > schema/schema.graphql"


def names(graph: GraphQLSchema) -> set[str]:
    """The names a schema offers, in the form of `contract_names.txt`."""
    found: set[str] = set()
    for name, kind in graph.type_map.items():
        if name.startswith("__"):
            continue
        found.add(f"type {name}")
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            found |= {f"{name} implements {i.name}" for i in kind.interfaces}
            for field_name, field in kind.fields.items():
                found.add(f"{name}.{field_name}")
                found |= {f"{name}.{field_name}({arg})" for arg in field.args}
        elif isinstance(kind, GraphQLInputObjectType):
            found |= {f"{name}.{field_name}" for field_name in kind.fields}
        elif isinstance(kind, GraphQLEnumType):
            found |= {f"{name}.{value}" for value in kind.values}
    return found


def test_schema_holds_every_contract_name() -> None:
    lines = CONTRACT_NAMES.read_text().splitlines()
    wanted = {line for line in lines if line and not line.startswith("#")}
    missing = sorted(wanted - names(schema._schema))
    assert len(wanted) > 200
    assert missing == []
