"""The one load client both sides get: N keep-alive HTTP/1.1 connections posting GraphQL.

Raw asyncio streams rather than httpx: the client shares the machine with the servers
it measures, and a lighter client leaves them more of it (the same for both sides).
Each request's bytes are built once; a response counts as failed when its status is
not 200 or its body carries an `errors` key.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Target:
    """Where one side answers GraphQL, and the request bodies it is sent in turn."""

    url: str
    payloads: Sequence[dict[str, Any]]

    def requests(self) -> list[bytes]:
        parts = urlsplit(self.url)
        head = (
            f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Content-Type: application/json\r\nAccept: application/json\r\n"
        )
        encoded = [json.dumps(payload).encode() for payload in self.payloads]
        return [f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body for body in encoded]


@dataclass
class Tally:
    """What one run of the load client saw."""

    requests: int = 0
    failed: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One response: its status and body, by Content-Length or chunked."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:] if line)
    }
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() != "chunked":
        raise ValueError("response with neither Content-Length nor chunked encoding")
    chunks = []
    while size := int((await reader.readline()).split(b";")[0], 16):
        chunks.append((await reader.readexactly(size + 2))[:-2])
    while await reader.readline() not in (b"\r\n", b""):
        pass  # trailers
    return status, b"".join(chunks)


async def drive(
    target: Target, clients: int, *, seconds: float | None = None, total: int | None = None
) -> Tally:
    """`clients` connections sending the target's requests in turn, until `seconds`
    have passed or `total` requests were sent (one of them)."""
    requests = target.requests()
    parts = urlsplit(target.url)
    tally = Tally()
    sent = 0
    started = time.perf_counter()
    deadline = started + seconds if seconds is not None else None

    def next_request() -> bytes | None:
        nonlocal sent
        if (total is not None and sent >= total) or (
            deadline is not None and time.perf_counter() >= deadline
        ):
            return None
        sent += 1
        return requests[(sent - 1) % len(requests)]

    async def client() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while (request := next_request()) is not None:
                begun = time.perf_counter()
                writer.write(request)
                status, body = await _answer(reader)
                tally.latencies_ms.append((time.perf_counter() - begun) * 1000)
                tally.requests += 1
                if status != 200 or b'"errors"' in body:
                    tally.failed += 1
        finally:
            writer.close()
            await writer.wait_closed()

    await asyncio.gather(*(client() for _ in range(clients)))
    tally.seconds = time.perf_counter() - started
    return tally
