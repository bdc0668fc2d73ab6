"""Request size and JSON nesting bounds, enforced before anything parses the request.

Python's `json` module recurses once per nesting level, so a body of 1,000 nested
arrays ends in a RecursionError (an HTTP 500) inside Strawberry; and nothing bounded
the body size. This ASGI middleware reads the body (refusing it as soon as it grows
past `max_body_bytes`, whatever Content-Length claims), measures the nesting of a
JSON body, or of a GET's `variables` / `extensions` parameters, without recursion,
and only then hands the request on. Refusals are GraphQL-shaped JSON with a code, so
a client reads them like any other error: 413 PAYLOAD_TOO_LARGE, 400 JSON_TOO_DEEP.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Callable, Iterable
from itertools import accumulate
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.config import LimitSettings
from gateway.errors import ErrorCode

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_BRACKETS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_JSON_PARAMETERS = frozenset({"variables", "extensions"})


def json_depth(document: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text, in linear time.

    Escapes go first (so no quote inside a string is escaped any more), then the
    strings, then everything but brackets; a running sum of +1 / -1 over what is left
    is the depth at each point. Invalid JSON gets some number: its parser refuses it.
    """
    brackets = _STRING.sub(b"", _ESCAPE.sub(b"", document)).translate(_BRACKETS, _NOT_BRACKETS)
    steps = array("b")
    steps.frombytes(brackets)  # 0xff reads as -1
    return max(accumulate(steps), default=0)


def error_body(code: ErrorCode, message: str, **details: int) -> bytes:
    """A GraphQL-shaped error document, as the GraphQL endpoint would answer one."""
    extensions: dict[str, Any] = {"code": code.value, **details}
    return json.dumps({"errors": [{"message": message, "extensions": extensions}]}).encode()


class RequestLimits:
    """ASGI middleware: bounds every HTTP request's body and JSON nesting."""

    def __init__(
        self,
        app: ASGIApp,
        limits: LimitSettings,
        refused: Callable[[ErrorCode], None] = lambda _: None,
    ) -> None:
        self.app = app
        self.refused = refused
        self.max_bytes = limits.max_body_bytes
        self.max_depth = limits.max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query_string: bytes = scope.get("query_string", b"")
        if len(query_string) > self.max_bytes or _declared_length(scope) > self.max_bytes:
            await _refuse(send, 413, self._too_large())
            return
        depth = max(self._parameter_depths(query_string), default=0)
        try:
            body = await _read_body(receive, self.max_bytes)
        except _Disconnected:
            return  # nobody to answer
        if body is None:
            await _refuse(send, 413, self._too_large())
            return
        if body and _is_json(scope):
            depth = max(depth, json_depth(body))
        if depth > self.max_depth:
            message = f"The request's JSON nests deeper than {self.max_depth} levels."
            details = {"depth": depth, "limit": self.max_depth}
            self.refused(ErrorCode.JSON_TOO_DEEP)
            await _refuse(send, 400, error_body(ErrorCode.JSON_TOO_DEEP, message, **details))
            return
        await self.app(scope, _replay(body, receive), send)

    def _parameter_depths(self, query_string: bytes) -> Iterable[int]:
        for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
            if name in _JSON_PARAMETERS:
                yield json_depth(value.encode())

    def _too_large(self) -> bytes:
        self.refused(ErrorCode.PAYLOAD_TOO_LARGE)
        message = f"The request is larger than {self.max_bytes} bytes."
        return error_body(ErrorCode.PAYLOAD_TOO_LARGE, message, limit=self.max_bytes)


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # the server refuses a malformed length; counting still applies
    return 0


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return b"json" in value.lower()
    return False


class _Disconnected(Exception):
    """The client left while sending its body."""


async def _read_body(receive: Receive, max_bytes: int) -> bytes | None:
    """The whole body, or None as soon as it passes `max_bytes` (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _Disconnected
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body in one message, then the client's own channel (disconnects reach the app)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def _refuse(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
