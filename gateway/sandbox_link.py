"""The in-process link to the mounted sandboxes, failing the way a socket does.

Without a socket, httpx's `ASGITransport` raises whatever the app raises and asserts
that the app finished its answer. Behind uvicorn the same failures look different: an
app that fails before answering gives a 500, one that fails or stops halfway through
its body drops the connection, which httpx reports as `httpx.RemoteProtocolError`.
The sandboxes' `reset` fault stops halfway on purpose, so the in-process link must
fail like uvicorn does, or tests without a socket would see an `AssertionError` where
a deployment sees a dropped connection, and the gateway would handle the wrong thing.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("gateway.sandbox_link")

_SERVER_ERROR = b"Internal Server Error"


class _Dropped(Exception):
    """The app stopped before its answer was complete: a server closes the connection."""


class _AsServed:
    """Run the app as uvicorn does: a 500 when nothing was sent, `_Dropped` when cut short."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = complete = False

        async def tracked(message: Any) -> None:
            nonlocal started, complete
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                complete = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            log.exception("the in-process sandbox failed")
        if complete:
            return
        if started:
            raise _Dropped
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 500, "headers": headers})
        await send({"type": "http.response.body", "body": _SERVER_ERROR, "more_body": False})


class SandboxTransport(httpx.ASGITransport):
    """An `ASGITransport` to the sandboxes whose failures are those of a served app."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app=_AsServed(app))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except _Dropped as exc:
            message = "peer closed connection without sending complete message body"
            raise httpx.RemoteProtocolError(message, request=request) from exc
