"""Stopping on SIGTERM: no new connections, the requests in flight answered, exit 0.

uvicorn by itself, given `timeout_graceful_shutdown` (`SHUTDOWN_GRACE_S`), closes the
listener and the idle keep-alive connections at once, waits up to the grace for the
requests in flight, cancels those left, then runs the lifespan shutdown. Without it,
it waits for ever: one request on a hung provider held the process until SIGKILL.

`GracefulServer` adds what uvicorn cannot know. It tells the gateway it is draining
(`gateway.scope.drain`), so a request waiting on a hung provider answers before the
grace runs out, that provider's part a coded `DEADLINE_EXCEEDED` error beside the
other providers' data, instead of losing its connection. And it exits with status 0
where uvicorn re-raises SIGTERM once stopped (status 143): a drained stop is a clean
one, and a platform reports anything else as a failure. `close_all` bounds each step
of the lifespan shutdown, so a backend that does not answer cannot hold the exit.

`serve --workers N` runs uvicorn's own supervisor, whose workers are plain uvicorn
servers: they get the grace and the bounded closing, not the draining.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import socket
from collections.abc import Awaitable, Callable
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE

log = logging.getLogger("gateway.shutdown")

SEND_MARGIN_S = 0.25
"""Of the grace, what is left to write the answers once the backstop has passed."""
CLOSE_STEP_S = 5.0
"""How long one step of the lifespan shutdown may take before it is abandoned."""


class GracefulServer(uvicorn.Server):
    """uvicorn's server, calling `on_stop` in its event loop when told to stop."""

    def __init__(self, config: uvicorn.Config, on_stop: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_stop = on_stop
        self._loop: asyncio.AbstractEventLoop | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().startup(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Runs as the signal handler: the loop does the draining, between its tasks."""
        if not self.should_exit and self._on_stop is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._on_stop)
        if sig == signal.SIGTERM:
            self.should_exit = True  # not recorded, so not re-raised once stopped
        else:
            super().handle_exit(sig, frame)  # Ctrl+C: uvicorn's, a second one forces the exit


def drain_gateway(grace_s: float) -> Callable[[], None]:
    """What `serve` does when told to stop: requests' calls end so that the answers,
    backstop included, are written within `grace_s`."""
    from gateway.router import BACKSTOP_GRACE_S
    from gateway.scope import drain

    return functools.partial(drain, max(0.0, grace_s - BACKSTOP_GRACE_S - SEND_MARGIN_S))


def run(config: uvicorn.Config, on_stop: Callable[[], None] | None = None) -> None:
    """`uvicorn.run` for one process, with a `GracefulServer`."""
    server = GracefulServer(config, on_stop)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)


async def close_all(*steps: tuple[str, Callable[[], Awaitable[object]]]) -> None:
    """Each step in turn, each within `CLOSE_STEP_S`: one that hangs is abandoned, logged,
    and the next still runs."""
    for name, step in steps:
        try:
            async with asyncio.timeout(CLOSE_STEP_S):
                await step()
        except TimeoutError:
            log.warning("shutdown step abandoned: %s took over %.0fs", name, CLOSE_STEP_S)
