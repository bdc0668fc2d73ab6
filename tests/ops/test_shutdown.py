"""SIGTERM, sent to real `customer-gateway serve` and `customer-gateway sandbox` processes.

The listener closes at once; a request in flight on a provider that never answers is
answered within the grace (the gateway pulls its deadline in: that provider's coded
error beside the others' data); one that is merely slow completes; the process exits
with status 0, also when a sandbox request hangs for ever. Requests are known to be in
flight from the sandbox counters, never from a sleep.

The gateway's providers are a sandbox server of their own (`SANDBOX_URL`), as real
providers are: the sandboxes mounted in a demo gateway stop listening with it.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.model import ProviderName
from tests.servers import Server, start_sandbox, start_serve

EVERY = {p.name for p in ProviderName}
EXIT_BOUND_S = 15.0
"""How long a stopping process may take before the test gives up (a guard, not a
measure of speed)."""
LISTING = "{ customers(first: 30) { nodes { provider } } }"


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    """Where the request in flight waits for its answer while the test signals."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        yield executor


def _post_listing(url: str) -> httpx.Response:
    with httpx.Client(base_url=url, timeout=EXIT_BOUND_S * 2) as http:
        return http.post("/graphql", json={"query": LISTING})


def _until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(300):  # a hang guard, not a timing assertion
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"never happened: {what}")


def _reached(sandbox: Server, provider: str) -> Callable[[], bool]:
    """True once `provider`'s sandbox has received a request."""

    def reached() -> bool:
        stats: dict[str, Any] = httpx.get(f"{sandbox.url}/sandbox/_stats", timeout=5).json()
        return int(stats[provider]["total"]) > 0

    return reached


@dataclass
class Servers:
    """A gateway and the sandbox server it takes for its providers."""

    gateway: Server
    sandbox: Server


@contextlib.contextmanager
def _gateway(workdir: Path, grace_s: int, **faults: dict[str, Any]) -> Iterator[Servers]:
    """`serve` with `SHUTDOWN_GRACE_S=grace_s`, over a sandbox server with `faults`."""
    sandbox = start_sandbox(workdir, SANDBOX__FAULTS=json.dumps(faults), SHUTDOWN_GRACE_S="1")
    try:
        gateway = start_serve(
            workdir, {"SANDBOX_URL": sandbox.url, "SHUTDOWN_GRACE_S": str(grace_s)}
        )
        try:
            yield Servers(gateway, sandbox)
        finally:
            gateway.stop()
    finally:
        sandbox.stop()


def _refused(server: Server) -> bool:
    """True once a new connection is refused; one accepted just before the listener
    closed, then dropped unanswered, is not yet that."""
    try:
        httpx.get(f"{server.url}/healthz", timeout=5)
    except httpx.ConnectError:
        return True
    except httpx.TransportError:
        return False
    return False


def _exit_status(server: Server) -> int:
    try:
        return server.process.wait(timeout=EXIT_BOUND_S)
    except subprocess.TimeoutExpired:
        log = server.log.read_text(errors="replace")[-4000:]
        pytest.fail(f"still running {EXIT_BOUND_S:.0f}s after SIGTERM:\n{log}")


def _stop(server: Server) -> None:
    server.process.send_signal(signal.SIGTERM)


def test_a_request_on_a_hung_provider_is_answered_and_the_gateway_exits(
    tmp_path: Path, pool: ThreadPoolExecutor
) -> None:
    with _gateway(tmp_path, 3, square={"hang": True}) as servers:
        gateway = servers.gateway
        answer: Future[httpx.Response] = pool.submit(_post_listing, gateway.url)
        _until(_reached(servers.sandbox, "square"), "the listing reached Square")
        _stop(gateway)
        _until(lambda: _refused(gateway), "new connections refused")
        assert not answer.done(), "the listener closed while the request was in flight"
        response = answer.result(timeout=EXIT_BOUND_S)
        assert _exit_status(gateway) == 0
    assert "timeout graceful shutdown exceeded" not in gateway.log.read_text(), "nothing cut"
    assert response.status_code == 200
    body = response.json()
    assert [
        (error["extensions"]["code"], error["extensions"].get("provider"))
        for error in body["errors"]
    ] == [("DEADLINE_EXCEEDED", "SQUARE")], body
    providers = {node["provider"] for node in body["data"]["customers"]["nodes"]}
    assert providers == EVERY - {"SQUARE"}


def test_a_slow_request_completes_across_sigterm(tmp_path: Path, pool: ThreadPoolExecutor) -> None:
    with _gateway(tmp_path, 4, clover={"latency_ms": 1000}) as servers:
        gateway = servers.gateway
        answer: Future[httpx.Response] = pool.submit(_post_listing, gateway.url)
        _until(_reached(servers.sandbox, "clover"), "the listing reached Clover")
        _stop(gateway)
        response = answer.result(timeout=EXIT_BOUND_S)
        assert _exit_status(gateway) == 0
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body.get("errors")
    providers = {node["provider"] for node in body["data"]["customers"]["nodes"]}
    assert providers == EVERY


def test_an_idle_gateway_exits_at_once_with_status_0(tmp_path: Path) -> None:
    server = start_serve(tmp_path, {"SHUTDOWN_GRACE_S": "60"})
    try:
        with httpx.Client(base_url=server.url) as http:  # a keep-alive connection, left idle
            assert http.get("/healthz").status_code == 200
            _stop(server)
            assert _exit_status(server) == 0  # well within the grace of 60 s
    finally:
        server.stop()


def test_the_sandbox_server_exits_with_a_request_hung(
    tmp_path: Path, pool: ThreadPoolExecutor
) -> None:
    server = start_sandbox(
        tmp_path, SANDBOX__FAULTS=json.dumps({"square": {"hang": True}}), SHUTDOWN_GRACE_S="2"
    )

    def list_square() -> httpx.Response:
        with httpx.Client(base_url=server.url, timeout=EXIT_BOUND_S * 2) as http:
            return http.get("/sandbox/square/v2/customers")

    try:
        answer = pool.submit(list_square)
        _until(_reached(server, "square"), "the request reached Square")
        _stop(server)
        _until(lambda: _refused(server), "new connections refused")
        assert not answer.done(), "the listener closed while the request was in flight"
        assert _exit_status(server) == 0
        response = answer.result(timeout=EXIT_BOUND_S)
    finally:
        server.stop()
    assert response.status_code == 500  # cancelled by uvicorn at the end of the grace
