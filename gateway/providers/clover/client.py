"""Both Clover APIs through one `UpstreamClient`, within one token's budget.

Platform v3 and Ecommerce v1 live on different hosts but answer to the same token,
and Clover's limits are per token: at most 5 requests in flight and 16 started per
second. So one client sends to both (Ecommerce URLs are absolute), one semaphore
bounds them, and one pacer spaces their starts; a 429 that gets through anyway is
retried by the `UpstreamClient` after its `retry-after`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from gateway.contract import Operation, unsupported
from gateway.errors import FieldPath
from gateway.http import UpstreamClient
from gateway.model import ProviderName
from gateway.providers import kit
from gateway.providers.clover import mapping
from gateway.providers.clover.throttle import Pacer

LIST_MAX = 1000
"""Clover's largest `limit` on a v3 list."""


class CloverApi:
    def __init__(
        self,
        http: UpstreamClient,
        *,
        merchant_id: str,
        ecommerce_url: str | None,
        max_in_flight: int,
        requests_per_s: int,
    ) -> None:
        self._http = http
        self.customers = kit.path("/v3/merchants/{}/customers", merchant_id)
        self._ecommerce = ecommerce_url.rstrip("/") if ecommerce_url else None
        self._slots = asyncio.Semaphore(max_in_flight)
        self._pacer = Pacer(requests_per_s)

    @property
    def has_ecommerce(self) -> bool:
        """Ecommerce exists in the US and Canada only."""
        return self._ecommerce is not None

    async def send(
        self,
        method: str,
        url: str,
        *,
        id_field: FieldPath = ("input", "id"),
        params: list[tuple[str, Any]] | None = None,
        json: Any = None,
    ) -> Any:
        """One call within the budget: a slot first, then a start in the window.

        Pacing inside the slot keeps the order of starts the order of arrivals.
        """
        async with self._slots:
            await self._pacer.wait()
            response = await self._http.request(method, url, params=params, json=json)
        return kit.checked(
            ProviderName.CLOVER,
            response,
            lambda status, body: mapping.error_from(status, body, id_field),
        )

    def customer(self, customer_id: str, *rest: str) -> str:
        """A v3 customer URL, or one of its sub-resources'; each part is one segment."""
        return self.customers + kit.path("/{}" * (1 + len(rest)), customer_id, *rest)

    def ecommerce(self, *parts: str) -> str:
        """An Ecommerce v1 URL (another host); each part is one segment."""
        if self._ecommerce is None:
            raise unsupported(ProviderName.CLOVER, Operation.ATTACH_PAYMENT_SOURCE)
        return self._ecommerce + kit.path("/v1" + "/{}" * len(parts), *parts)

    async def read(
        self, customer_id: str, expand: Sequence[str], id_field: FieldPath = ("input", "id")
    ) -> dict[str, Any]:
        native: dict[str, Any] = await self.send(
            "GET", self.customer(customer_id), params=expansions(expand), id_field=id_field
        )
        return native

    async def list(
        self, filters: Sequence[str], expand: Sequence[str], *, offset: int = 0
    ) -> list[dict[str, Any]]:
        params = [
            *(("filter", f) for f in filters),
            *expansions(expand),
            ("limit", LIST_MAX),
            ("offset", offset),
        ]
        return mapping.rows(await self.send("GET", self.customers, params=params))

    async def aclose(self) -> None:
        await self._http.aclose()


def expansions(names: Sequence[str]) -> list[tuple[str, Any]]:
    return [("expand", ",".join(names))]
