"""The GraphQL Mesh peer: its npm packages, its composition, its Hive Gateway process."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.common import Served
from gateway.providers.square.settings import SANDBOX_ACCESS_TOKEN, SquareSettings

MESH_DIR = Path(__file__).resolve().parent / "mesh"
COMPOSE = MESH_DIR / "node_modules" / ".bin" / "mesh-compose"


def ensure_installed() -> None:
    """`npm ci` from the lockfile when scripts/bootstrap has not installed the packages."""
    if not COMPOSE.exists():
        print("bench.peers: installing the Mesh peer's npm packages (npm ci)", flush=True)
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=MESH_DIR, check=True
        )


def compose(square_url: str, supergraph: Path) -> None:
    """The supergraph of Square's trimmed spec, its server URL being our sandbox.

    Composition reads only local files, so it runs for every benchmark rather than
    committing a supergraph with one port baked in.
    """
    env = {
        **os.environ,
        "SQUARE_URL": square_url,
        "SQUARE_TOKEN": SANDBOX_ACCESS_TOKEN,
        "SQUARE_VERSION": SquareSettings().api_version,
    }
    done = subprocess.run(
        [str(COMPOSE), "-o", str(supergraph)],
        cwd=MESH_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        print(done.stdout, done.stderr, sep="\n")
        raise RuntimeError(f"mesh-compose failed (exit {done.returncode}), its output above")


@contextlib.contextmanager
def mesh_server(square_url: str) -> Iterator[Served]:
    """Hive Gateway serving the composed supergraph: its /graphql URL and node's pid."""
    ensure_installed()
    with tempfile.TemporaryDirectory(prefix="bench-peers-") as folder:
        supergraph = Path(folder) / "supergraph.graphql"
        compose(square_url, supergraph)
        process = subprocess.Popen(
            ["node", "serve.mjs", f"--supergraph={supergraph}"],
            cwd=MESH_DIR,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line:
                raise RuntimeError("Hive Gateway exited before listening (its error is above)")
            yield Served(json.loads(line)["url"], process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
