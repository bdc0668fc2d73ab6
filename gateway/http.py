"""The one httpx client factory, and the one place httpx errors become gateway errors.

Every adapter sends through an `UpstreamClient`: it bounds in-flight requests
(Clover allows five), enforces the provider's timeout with asyncio (so it also
holds over an in-process ASGI transport, where httpx timeouts do not apply), sends
again what the retry policy allows (`gateway.retries`), caps the size of an answer,
and turns transport failures and infrastructure statuses into `ProviderError`s. 4xx
answers about the input are returned to the adapter, which reads its provider's
error envelope.

A write that fails after it was sent (timeout, cut connection, 5xx) may have
committed: it answers `ProviderOutcomeUnknown`, so that clients read back before
they retry.

Each call runs in the scope of the GraphQL request it works for (`gateway.scope`):
not sent once that request is over or out of budget, bounded by its time left, and
cut when it ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from gateway.contract import RetrySettings
from gateway.errors import (
    DeadlineExceeded,
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderForbidden,
    ProviderOutcomeUnknown,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
    ProviderUnreachable,
)
from gateway.metrics import upstream_call, upstream_rate_limited
from gateway.model import ProviderName
from gateway.retries import Replay, policy
from gateway.scope import current
from gateway.tracing import Upstream

log = logging.getLogger("gateway.http")

NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
"""Transport errors raised before any byte of the request reached the provider."""


class UpstreamClient:
    """An httpx.AsyncClient bound to one provider account."""

    def __init__(
        self,
        provider: ProviderName,
        base_url: str,
        *,
        timeout_s: float,
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_in_flight: int = 20,
        retry: RetrySettings | None = None,
        max_response_bytes: int = 8_000_000,
    ) -> None:
        self.provider = provider
        self.timeout_s = timeout_s
        self._retry = retry or RetrySettings()
        self._max_response_bytes = max_response_bytes
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers or {}),
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            limits=httpx.Limits(
                max_connections=max_in_flight, max_keepalive_connections=max_in_flight
            ),
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        replay: Replay | None = None,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request, again where the policy allows: 2xx and input-related 4xx
        come back, the rest raise. `replay` defaults by method (`Replay.of`)."""
        replay = replay or Replay.of(method)
        response: httpx.Response | None = None
        try:
            async for attempt in policy(self.provider, self._retry, replay):
                with attempt:
                    response = await self._send_once(
                        method, path, replay, params=params, json=json, data=data, headers=headers
                    )
                    raise_for_infrastructure(self.provider, response)
        except (ProviderTimeout, ProviderUnavailable) as exc:
            if replay.writes and not isinstance(exc, ProviderUnreachable):
                raise ProviderOutcomeUnknown(
                    self.provider, f"{method} {path} unconfirmed: {exc}", status=exc.status
                ) from exc
            raise
        assert response is not None
        return response

    async def _send_once(
        self,
        method: str,
        path: str,
        replay: Replay,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None,
        json: Any,
        data: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        sent = False
        try:
            async with current().call(self.provider, self.timeout_s) as call, self._in_flight:
                call.send()
                sent = True
                with (
                    upstream_call(self.provider, method, path) as answered,
                    Upstream(self.provider, method, self._client.base_url, path, headers) as span,
                ):
                    request = self._client.build_request(
                        method, path, params=params, json=json, data=data, headers=span.headers
                    )
                    response = await self._client.send(request, stream=True)
                    try:
                        body = await self._read_capped(response)
                    finally:
                        await response.aclose()
                    span.answered(response.status_code)
                    return answered(_with_body(response, body))
        except DeadlineExceeded as exc:
            if sent and replay.writes:
                raise ProviderOutcomeUnknown(
                    self.provider, f"{method} {path} cut after it was sent"
                ) from exc
            raise
        except NOT_SENT as exc:
            raise ProviderUnreachable(
                self.provider, f"{method} {path} not sent: {type(exc).__name__}"
            ) from exc
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise ProviderTimeout(self.provider, f"{method} {path} timed out") from exc
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(
                self.provider, f"{method} {path} failed: {type(exc).__name__}"
            ) from exc

    async def _read_capped(self, response: httpx.Response) -> bytes:
        """The whole body, or a bad response as soon as it passes the cap."""
        cap = self._max_response_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise _too_large(self.provider, response, cap)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise _too_large(self.provider, response, cap)
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        await self._client.aclose()


def raise_for_infrastructure(provider: ProviderName, response: httpx.Response) -> None:
    """Raise for statuses that say nothing about the input: auth, throttling, 5xx."""
    status = response.status_code
    where = f"{response.request.method} {response.request.url.path}"
    if status == 401:
        raise ProviderAuthError(provider, f"{where} unauthorized", status=status)
    if status == 403:
        raise ProviderForbidden(provider, f"{where} forbidden", status=status)
    if status == 429:
        upstream_rate_limited(provider)
        raise ProviderRateLimited(
            provider, f"{where} rate limited", retry_after=_retry_after_seconds(response)
        )
    if status >= 500:
        raise ProviderUnavailable(provider, f"{where} answered {status}", status=status)


JSON_TYPES = ("application/json",)
EMPTY_ALLOWED = frozenset({"DELETE", "HEAD"})


def json_body(provider: ProviderName, response: httpx.Response) -> Any:
    """The decoded JSON body; an answer in any other form is that provider's bad response,
    not a crash and not "nothing there": empty (but for a 204 or a DELETE), not JSON,
    another content type, cut short."""
    where = f"{response.request.method} {response.request.url.path} {response.status_code}"
    if not response.content:
        if response.status_code == 204 or response.request.method in EMPTY_ALLOWED:
            return {}
        raise ProviderBadResponse(provider, f"{where}: empty body", status=response.status_code)
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in JSON_TYPES and not media.endswith("+json"):
        raise ProviderBadResponse(
            provider, f"{where}: content type {media[:40]!r}", status=response.status_code
        )
    try:
        return response.json()
    except ValueError as exc:
        raise ProviderBadResponse(
            provider, f"{where}: body is not JSON", status=response.status_code
        ) from exc


def _with_body(response: httpx.Response, body: bytes) -> httpx.Response:
    """The streamed response, its body read (and decoded): what the adapters parse."""
    headers = [
        (k, v)
        for k, v in response.headers.multi_items()
        if k.lower() not in ("content-encoding", "content-length")
    ]
    return httpx.Response(
        response.status_code, headers=headers, content=body, request=response.request
    )


def _too_large(provider: ProviderName, response: httpx.Response, cap: int) -> ProviderError:
    where = f"{response.request.method} {response.request.url.path}"
    return ProviderBadResponse(
        provider, f"{where}: answer over {cap} bytes", status=response.status_code
    )


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
