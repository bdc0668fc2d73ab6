"""The committed SDL is what the code exports, and it holds the public contract."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTRACT_CHECK = ROOT.parent / "shared" / "tools" / "contract_check.py"


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


def test_schema_holds_every_contract_name() -> None:
    assert CONTRACT_CHECK.exists(), f"{CONTRACT_CHECK} is missing: shared/ must sit beside the repo"
    result = subprocess.run(
        [sys.executable, str(CONTRACT_CHECK), "schema/schema.graphql"],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
