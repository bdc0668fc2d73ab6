"""The gateway's own Elastic Path access token: obtained once, shared, renewed in time.

Every call needs `Authorization: Bearer <token>` from a client_credentials grant. The
token is cached with its lifetime and renewed shortly before it expires; a 401 on a
call (the store revoked or expired it early) renews it once, and concurrent callers
share one renewal. The client secret and the token never reach a log line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from gateway.errors import ProviderAuthError
from gateway.http import UpstreamClient
from gateway.providers import kit
from gateway.providers.elasticpath import mapping
from gateway.retries import Replay

log = logging.getLogger("gateway.providers.elasticpath")

TOKEN_PATH = "/oauth/access_token"
MAX_MARGIN_S = 60.0


def renew_at(obtained_at: float, lifetime_s: float) -> float:
    """When to stop using a token: a minute before it expires, or at 90% of a short life."""
    return obtained_at + lifetime_s - min(MAX_MARGIN_S, lifetime_s * 0.1)


class TokenSource:
    def __init__(
        self,
        http: UpstreamClient,
        client_id: str,
        client_secret: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        }
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    def __repr__(self) -> str:
        return "TokenSource(elasticpath)"

    async def current(self) -> str:
        """The cached token, or a new one when there is none or it is about to expire."""
        token = self._token
        if token is not None and self._clock() < self._renew_at:
            return token
        async with self._lock:
            if self._token is not None and self._clock() < self._renew_at:
                return self._token
            return await self._obtain()

    async def renew(self, rejected: str) -> str:
        """A token other than `rejected`: a new one unless another caller already renewed."""
        async with self._lock:
            if self._token is not None and self._token != rejected:
                return self._token
            log.info("provider=elasticpath access token refused, renewing once")
            return await self._obtain()

    async def _obtain(self) -> str:
        started = self._clock()
        body = kit.checked(
            mapping.PROVIDER,
            await self._http.request("POST", TOKEN_PATH, data=self._form, replay=Replay.SAFE),
            lambda status, _: ProviderAuthError(
                mapping.PROVIDER, "client credentials refused", status=status
            ),
        )
        token, lifetime = mapping.access_token(body)
        self._token, self._renew_at = token, renew_at(started, lifetime)
        return token
