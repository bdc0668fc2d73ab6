"""What the benchmarks share: a sandbox server in a subprocess, percentiles."""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from gateway.ports import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def sandbox_server() -> Iterator[str]:
    """`customer-gateway sandbox` on a free port, as several gateways would share it."""
    port = free_port()
    env = {
        **os.environ,
        "SANDBOX__CLOVER_RATE_LIMIT_PER_S": "10000",
        "SANDBOX__CLOVER_MAX_IN_FLIGHT": "1000",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "sandbox", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def gateway_server(**env: str) -> Iterator[str]:
    """`customer-gateway serve` on a free port with its embedded sandboxes (demo mode)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=15)


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
