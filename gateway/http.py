"""The one httpx client factory, and the one place httpx errors become gateway errors.

Every adapter sends through an `UpstreamClient`: it bounds in-flight requests
(Clover allows five), enforces the provider's timeout with asyncio (so it also
holds over an in-process ASGI transport, where httpx timeouts do not apply),
honours `Retry-After` on 429 a bounded number of times, and turns transport
failures and infrastructure statuses into `ProviderError`s. 4xx answers about the
input are returned to the adapter, which reads its provider's error envelope.

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

from gateway.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderForbidden,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from gateway.metrics import upstream_call, upstream_rate_limited
from gateway.model import ProviderName
from gateway.scope import current
from gateway.tracing import Upstream

log = logging.getLogger("gateway.http")

MAX_RETRY_AFTER_S = 2.0


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
        rate_limit_retries: int = 0,
    ) -> None:
        self.provider = provider
        self.timeout_s = timeout_s
        self._rate_limit_retries = rate_limit_retries
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
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; 2xx and input-related 4xx come back, the rest raise."""
        attempt = 0
        while True:
            response = await self._send_once(
                method, path=path, params=params, json=json, data=data, headers=headers
            )
            if response.status_code != 429:
                raise_for_infrastructure(self.provider, response)
                return response
            retry_after = _retry_after_seconds(response)
            if (
                attempt >= self._rate_limit_retries
                or retry_after > MAX_RETRY_AFTER_S
                or not _time_for(retry_after)
            ):
                upstream_rate_limited(self.provider, retrying=False)
                raise ProviderRateLimited(
                    self.provider, "rate limited", status=429, retry_after=retry_after
                )
            attempt += 1
            upstream_rate_limited(self.provider, retrying=True)
            log.info(
                "provider=%s rate limited, retrying in %.2fs (attempt %d)",
                self.provider.value,
                retry_after,
                attempt,
            )
            await asyncio.sleep(retry_after)

    async def _send_once(
        self,
        method: str,
        *,
        path: str,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None,
        json: Any,
        data: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        try:
            async with current().call(self.provider, self.timeout_s) as call, self._in_flight:
                call.send()
                with (
                    upstream_call(self.provider, method, path) as answered,
                    Upstream(self.provider, method, self._client.base_url, path, headers) as span,
                ):
                    response = await self._client.request(
                        method, path, params=params, json=json, data=data, headers=span.headers
                    )
                    span.answered(response.status_code)
                    return answered(response)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise ProviderTimeout(self.provider, f"{method} {path} timed out") from exc
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(
                self.provider, f"{method} {path} failed: {type(exc).__name__}"
            ) from exc

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
        raise ProviderRateLimited(provider, f"{where} rate limited")
    if status >= 500:
        raise ProviderUnavailable(provider, f"{where} answered {status}", status=status)


def json_body(provider: ProviderName, response: httpx.Response) -> Any:
    """The decoded JSON body; anything else is a bad response, not a crash."""
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError as exc:
        raise ProviderBadResponse(
            provider, f"non-JSON body on {response.status_code}", status=response.status_code
        ) from exc


def _time_for(wait_s: float) -> bool:
    """Whether the request's deadline leaves time to wait `wait_s` and send again."""
    deadline = current().bound(None)
    return deadline is None or asyncio.get_running_loop().time() + wait_s < deadline


def _retry_after_seconds(response: httpx.Response) -> float:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else 1.0
    except ValueError:
        return 1.0
