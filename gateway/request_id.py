"""One id per HTTP request, on its response and on every log line written for it.

A caller (a router, a load balancer) may send `X-Request-Id`; it is kept when it is a
plain token, so one id follows a request across services, and replaced otherwise: a
header is attacker-chosen, and an id with spaces, newlines or 10 KB would forge or
flood log lines. The id lives in a contextvar, which every task started for the
request (DataLoader batches, provider calls) copies, so `RequestIdFilter` finds it.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
NO_REQUEST = "-"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_current: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)


def current() -> str:
    """The id of the request being served, or "-" outside any request."""
    return _current.get()


def accepted(header: str | None) -> str:
    """The caller's id when it is a sane token, else a fresh one."""
    if header is not None and _SANE.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """ASGI middleware: sets the request id for the request's work and echoes it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = next((v for k, v in scope.get("headers", ()) if k == HEADER.encode()), None)
        request_id = accepted(raw.decode("latin-1") if raw is not None else None)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k != HEADER.encode()]
                message = {**message, "headers": [*headers, (HEADER.encode(), request_id.encode())]}
            await send(message)

        token = _current.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record a handler formats (`%(request_id)s`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current()
        return True
