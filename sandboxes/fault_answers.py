"""What a faulted request answers, one writer per fault kind.

Each kind is an answer a real provider or a proxy in front of it has been seen to
give, so the gateway's handling of it can be tested without mocks. Kinds that alter
the real answer run the emulator first and keep its answer whole, so a write they hit
has committed, as it would have upstream; `status`, `html` and `oversize` answer
instead of the emulator, so nothing is written.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.config import FaultKind, FaultSettings

DRIP_CHUNK_BYTES = 64
"""How much of the body each `drip` step sends."""
PROXY_ERROR_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
_PADDING = b"x" * 65_536
_OVERSIZE_HEAD = b'{"padding": "'
_OVERSIZE_TAIL = b'"}'
Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class RealAnswer:
    """The emulator's answer, held back so that a fault can alter it."""

    status: int
    headers: Headers
    body: bytes


async def inject(
    fault: FaultSettings, app: ASGIApp, scope: Scope, receive: Receive, send: Send
) -> None:
    """Answer the request with `fault.kind` (asking `app` first where the kind needs it)."""
    instead = _INSTEAD.get(fault.kind)
    if instead is not None:
        await instead(fault, send)
        return
    real = await _held(app, scope, receive)
    await _ALTERED[fault.kind](real, fault, send)


async def _held(app: ASGIApp, scope: Scope, receive: Receive) -> RealAnswer:
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def keep(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, keep)
    return RealAnswer(int(start["status"]), list(start.get("headers", [])), b"".join(chunks))


def _with(headers: Headers, **replaced: bytes) -> Headers:
    """`headers` with `content_type=`, `content_length=` replaced (or added)."""
    names = {name.replace("_", "-").encode(): value for name, value in replaced.items()}
    kept = [(name, value) for name, value in headers if name.lower() not in names]
    return kept + list(names.items())


def _length(body: bytes) -> bytes:
    return str(len(body)).encode()


async def _answer(send: Send, status: int, headers: Headers, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _status(fault: FaultSettings, send: Send) -> None:
    status = fault.error_status
    body = json.dumps({"message": f"injected fault: {status}"}, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", _length(body))]
    if status == 429:
        retry_after = 1.0 if fault.retry_after_s is None else fault.retry_after_s
        seconds = f"{retry_after:f}".rstrip("0").rstrip(".")  # 3 -> "3", 0.25 -> "0.25"
        headers.append((b"retry-after", seconds.encode()))
    await _answer(send, status, headers, body)


async def _html(_: FaultSettings, send: Send) -> None:
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", _length(PROXY_ERROR_PAGE)),
    ]
    await _answer(send, 200, headers, PROXY_ERROR_PAGE)


async def _oversize(fault: FaultSettings, send: Send) -> None:
    """A valid JSON object of exactly `oversize_bytes`, sent in slices of one padding block."""
    size = fault.oversize_bytes
    headers = [(b"content-type", b"application/json"), (b"content-length", str(size).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": _OVERSIZE_HEAD, "more_body": True})
    left = size - len(_OVERSIZE_HEAD) - len(_OVERSIZE_TAIL)
    while left > 0:
        chunk = _PADDING if left >= len(_PADDING) else _PADDING[:left]
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
        left -= len(chunk)
    await send({"type": "http.response.body", "body": _OVERSIZE_TAIL, "more_body": False})


def _other_type(value: object) -> object:
    """A value of another JSON type than `value`."""
    if isinstance(value, dict):
        return "x"
    if isinstance(value, list):
        return 42
    if isinstance(value, str):
        return []
    if isinstance(value, bool | int | float):
        return {}
    return 42


def wrong_shape(body: bytes) -> object:
    """Every top-level value of an object retyped; anything else (a list, no JSON) an object."""
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        return {key: _other_type(value) for key, value in parsed.items()}
    return {"items": _other_type(parsed)}


async def _wrong_shape(real: RealAnswer, _: FaultSettings, send: Send) -> None:
    body = json.dumps(wrong_shape(real.body)).encode()
    headers = _with(real.headers, content_type=b"application/json", content_length=_length(body))
    await _answer(send, 200, headers, body)


async def _empty_body(real: RealAnswer, _: FaultSettings, send: Send) -> None:
    headers = _with(real.headers, content_length=b"0") if real.body else real.headers
    await _answer(send, real.status, headers, b"")


async def _truncated_json(real: RealAnswer, _: FaultSettings, send: Send) -> None:
    cut = real.body[: len(real.body) // 2]
    headers = _with(real.headers, content_type=b"application/json", content_length=_length(cut))
    await _answer(send, real.status, headers, cut)


async def _wrong_content_type(real: RealAnswer, _: FaultSettings, send: Send) -> None:
    headers = _with(real.headers, content_type=b"text/plain; charset=utf-8")
    await _answer(send, real.status, headers, real.body)


async def _reset(real: RealAnswer, _: FaultSettings, send: Send) -> None:
    """Half the body of a declared length, then return: the server drops the connection.

    Returning unfinished (rather than raising) is what makes uvicorn close the socket
    with one log line instead of a traceback; an empty real body stands in as `{}` so
    that something is always missing.
    """
    body = real.body or b"{}"
    headers = _with(real.headers, content_length=_length(body))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})


async def _drip(real: RealAnswer, fault: FaultSettings, send: Send) -> None:
    """The real answer, its body `DRIP_CHUNK_BYTES` at a time, `drip_interval_ms` apart."""
    await send({"type": "http.response.start", "status": real.status, "headers": real.headers})
    chunks = [
        real.body[at : at + DRIP_CHUNK_BYTES] for at in range(0, len(real.body), DRIP_CHUNK_BYTES)
    ]
    for index, chunk in enumerate(chunks):
        if index:
            await asyncio.sleep(fault.drip_interval_ms / 1000)
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


_INSTEAD: dict[FaultKind, Callable[[FaultSettings, Send], Awaitable[None]]] = {
    FaultKind.STATUS: _status,
    FaultKind.HTML: _html,
    FaultKind.OVERSIZE: _oversize,
}
_ALTERED: dict[FaultKind, Callable[[RealAnswer, FaultSettings, Send], Awaitable[None]]] = {
    FaultKind.WRONG_SHAPE: _wrong_shape,
    FaultKind.EMPTY_BODY: _empty_body,
    FaultKind.TRUNCATED_JSON: _truncated_json,
    FaultKind.WRONG_CONTENT_TYPE: _wrong_content_type,
    FaultKind.RESET: _reset,
    FaultKind.DRIP: _drip,
}
