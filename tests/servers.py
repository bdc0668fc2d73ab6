"""Real servers on loopback ports, for the tests that need a socket (a browser, node).

The gateway and the sandboxes start the way users start them, `customer-gateway serve`
and `customer-gateway sandbox`, in a clean environment and an empty working directory,
so neither this machine's variables nor a `.env` leak in. Node programs print
`{"url": ...}` on stdout once they listen; Node scripts that run to an end write their
findings as JSON to a file. A missing install step fails the test with the command that
fixes it, never skips.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
STARTUP_DEADLINE_S = 60.0
"""How long a server may take to start before the test gives up (not an assertion)."""
RUN_DEADLINE_S = 60.0
"""How long a Node script may run before the test gives up (not an assertion)."""


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        _stop(self.process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-40:])


def _await(name: str, process: subprocess.Popen[bytes], log: Path, probe: Callable[[], Any]) -> Any:
    """Poll `probe` until it answers; fail with the server's log if it dies or hangs."""
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while time.monotonic() < deadline:
        answer = probe()
        if answer:
            return answer
        if process.poll() is not None:
            pytest.fail(f"{name} exited with status {process.returncode}:\n{_tail(log)}")
        time.sleep(0.05)
    _stop(process)
    pytest.fail(f"{name} did not start within {STARTUP_DEADLINE_S:.0f}s:\n{_tail(log)}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.TransportError:
        return False


def clean_env(**variables: str) -> dict[str, str]:
    """Only what a process needs to run, plus `variables`: no setting of this machine."""
    kept = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    return {**kept, **variables}


def cli_executable() -> str:
    executable = Path(sys.executable).with_name("customer-gateway")
    if not executable.exists():
        pytest.fail(f"{executable} is missing: install the package (scripts/bootstrap)")
    return str(executable)


def _start_cli(command: list[str], log: Path, url: str, ready: str, env: dict[str, str]) -> Server:
    """`customer-gateway <command>` in the log's folder, up once GET `url + ready` answers 200."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [cli_executable(), *command],
            cwd=log.parent,
            env=clean_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    _await(f"customer-gateway {command[0]}", process, log, lambda: _answers(url + ready))
    return Server(process, url, log)


def start_gateway(workdir: Path, **env: str) -> Server:
    """`customer-gateway serve` on a free loopback port, with only `env` configured.

    Where `env` sets `PORT` the command gets no `--port`, as on a platform that sets it.
    """
    return start_serve(workdir, env)


def start_serve(workdir: Path, env: dict[str, str], *options: str) -> Server:
    """`start_gateway` with more `serve` options, e.g. `--workers 2`."""
    port = env["PORT"] if "PORT" in env else str(free_port())
    command = ["serve"] if "PORT" in env else ["serve", "--port", port]
    command += options
    url = f"http://127.0.0.1:{port}"
    return _start_cli(
        command, workdir / "gateway.log", url, "/readyz", {"LOG_LEVEL": "WARNING", **env}
    )


def start_sandbox(workdir: Path, **env: str) -> Server:
    """`customer-gateway sandbox` on a free loopback port, with only `env` configured."""
    port = free_port()
    command = ["sandbox", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    return _start_cli(command, workdir / "sandbox.log", url, "/sandbox/_providers", env)


@contextlib.contextmanager
def gateway_client(workdir: Path, *, timeout_s: float = 60.0, **env: str) -> Iterator[httpx.Client]:
    """`start_gateway` and an HTTP client bound to it; the server stops on exit."""
    server = start_gateway(workdir, **env)
    try:
        with httpx.Client(base_url=server.url, timeout=timeout_s) as http:
            yield http
    finally:
        server.stop()


def node_executable() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: these tests need Node.js 20+ (apt-get install nodejs)")
    return node


def require_node_modules(directory: Path, package: str) -> None:
    if not (directory / "node_modules" / package).is_dir():
        relative = directory.relative_to(ROOT)
        pytest.fail(
            f"{relative}/node_modules lacks {package}: run `npm ci` in {relative} "
            "(scripts/bootstrap does it)"
        )


def _announced_url(log: Path) -> str | None:
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith('{"url"'):
            return str(json.loads(line)["url"])
    return None


def start_node(script: Path, *args: str, workdir: Path) -> Server:
    """A node program that prints `{"url": ...}` once it listens."""
    log = workdir / f"{script.stem}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [node_executable(), str(script), *args],
            cwd=script.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = _await(script.name, process, log, lambda: _announced_url(log))
    return Server(process, str(url).rstrip("/"), log)


def run_node(script: Path, out: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run `script` to its end in a clean env plus `env`; what it wrote as JSON to `out`."""
    errors = out.with_suffix(".stderr")
    with errors.open("wb") as stderr:
        try:
            done = subprocess.run(
                [node_executable(), str(script), str(out)],
                cwd=script.parent,
                env=clean_env(**env),
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                timeout=RUN_DEADLINE_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{script.name} did not end within {RUN_DEADLINE_S:.0f}s:\n{_tail(errors)}")
    if done.returncode != 0:
        pytest.fail(f"{script.name} exited with status {done.returncode}:\n{_tail(errors)}")
    result: dict[str, Any] = json.loads(out.read_text())
    return result
