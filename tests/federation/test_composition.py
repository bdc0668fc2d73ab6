"""Our exported SDL composes into a supergraph with Apollo's own composition.

`compose.mjs` is what Rover and the Apollo router run: any composition error there
would stop a real supergraph from being built, so it fails these tests.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from schema.schema import sdl
from tests.federation.conftest import FEDERATION
from tests.servers import node_executable

pytestmark = pytest.mark.usefixtures("node_modules")

CONFLICTING = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.11", import: ["@key"])

type Customer @key(fields: "id") {
  id: ID!
  email: Int
}
"""


def compose(**subgraphs: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [node_executable(), str(FEDERATION / "compose.mjs")]
        + [f"{name}={path}" for name, path in subgraphs.items()],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def exported(tmp_path: Path) -> Path:
    path = tmp_path / "customers.graphql"
    path.write_text(sdl())
    return path


def type_block(supergraph: str, name: str) -> str:
    match = re.search(rf"^type {name}\b.*?^}}", supergraph, re.MULTILINE | re.DOTALL)
    assert match, f"no type {name} in the supergraph"
    return match.group(0)


def test_exported_sdl_composes_on_its_own(tmp_path: Path) -> None:
    result = compose(customers=exported(tmp_path))

    assert result.returncode == 0, result.stderr
    for entity in ("Customer", "Order"):
        assert '@join__type(graph: CUSTOMERS, key: "id")' in type_block(result.stdout, entity)


def test_exported_sdl_composes_with_the_loyalty_subgraph(tmp_path: Path) -> None:
    result = compose(customers=exported(tmp_path), loyalty=FEDERATION / "loyalty.graphql")

    assert result.returncode == 0, result.stderr
    customer = type_block(result.stdout, "Customer")
    assert '@join__type(graph: CUSTOMERS, key: "id")' in customer
    assert '@join__type(graph: LOYALTY, key: "id")' in customer
    assert re.search(r"loyaltyPoints: Int! @join__field\(graph: LOYALTY\)", customer)


def test_a_composition_error_fails(tmp_path: Path) -> None:
    conflicting = tmp_path / "conflicting.graphql"
    conflicting.write_text(CONFLICTING)

    result = compose(customers=exported(tmp_path), other=conflicting)

    assert result.returncode == 1
    assert "Customer.email" in result.stderr
    assert result.stdout == ""
