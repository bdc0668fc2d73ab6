"""What the benchmarks share: a sandbox or gateway server in a subprocess, percentiles."""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from gateway.ports import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
GATEWAY_ENV = {"LOG_LEVEL": "WARNING"}


class Served(NamedTuple):
    """A server subprocess: where it listens, and its pid (bench/soak.py samples its RSS)."""

    url: str
    pid: int


@contextlib.contextmanager
def _command_process(command: str, env: dict[str, str]) -> Iterator[Served]:
    """`customer-gateway <command>` on a free port, with `env` over this environment."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", command, "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield Served(f"http://127.0.0.1:{port}", process.pid)
    finally:
        process.terminate()
        process.wait(timeout=15)


@contextlib.contextmanager
def _command_server(command: str, env: dict[str, str]) -> Iterator[str]:
    with _command_process(command, env) as served:
        yield served.url


def sandbox_server() -> contextlib.AbstractContextManager[str]:
    """`customer-gateway sandbox`, as several gateways would share it, Clover's limits off."""
    return _command_server(
        "sandbox",
        {"SANDBOX__CLOVER_RATE_LIMIT_PER_S": "10000", "SANDBOX__CLOVER_MAX_IN_FLIGHT": "1000"},
    )


def gateway_server(**env: str) -> contextlib.AbstractContextManager[str]:
    """`customer-gateway serve` with its embedded sandboxes (demo mode)."""
    return _command_server("serve", {**GATEWAY_ENV, **env})


def gateway_process(**env: str) -> contextlib.AbstractContextManager[Served]:
    """`gateway_server`, handing back the pid as well."""
    return _command_process("serve", {**GATEWAY_ENV, **env})


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
