"""The layout's promises: the runtime loads no emulator unless it mounts one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import live_credentials

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, sys
from gateway.app import create_app
from gateway.config import Settings
create_app(Settings(_env_file=None))
print(json.dumps(sorted(m for m in sys.modules if m == "sandboxes" or m.startswith("sandboxes."))))
"""
LIVE = live_credentials("live-credential")


def emulator_modules(env: dict[str, str]) -> list[str]:
    """The `sandboxes` modules a fresh process has loaded after building the app."""
    clean = {k: v for k, v in os.environ.items() if "__" not in k and k != "SANDBOX_URL"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    modules: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return modules


def test_live_credentials_load_no_emulator() -> None:
    assert emulator_modules(LIVE) == []


def test_demo_mode_loads_every_emulator() -> None:
    loaded = emulator_modules({})
    assert {f"sandboxes.{p}.app" for p in ("square", "clover", "elasticpath", "digitalriver")} <= (
        set(loaded)
    )
