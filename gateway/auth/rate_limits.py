"""Per-client budgets: requests and cost units per API key, JWT, shopper or client IP.

Each client kind has its budget in `settings.rate_limits`, counted over a sliding
window (the `limits` package's sliding window counter: two counters per client and
unit, so a budget of 200,000 cost units costs two Redis keys, not 200,000 entries as a
moving window would). The router admits a request (one unit of `requests`) before
it runs; once the static estimate has accepted the operation (`schema.limits`), its
cost is charged. A refusal is `ClientRateLimited`, answered before any resolver runs:
`RATE_LIMITED` with `extensions.retryAfter`, HTTP 429 and a `Retry-After` header.

Counts live in Redis when `CACHE__URL` is set, so every replica draws on one budget
(keys under `<CACHE__KEY_PREFIX>:limits`, the client's identity hashed: no email or
IP address is stored), else in the process. If Redis fails, requests are let
through (logged): the read cache degrades the same way, and an outage of the
counter store should not become an outage of the gateway.

Without credentials the client is its IP address: the socket peer, or, when the
peer is a trusted proxy (`RATE_LIMITS__TRUSTED_PROXIES`), the last address in
`X-Forwarded-For` that is not a trusted proxy itself.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
from dataclasses import dataclass, field

from graphql import GraphQLError
from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from pydantic import IPvAnyNetwork
from starlette.requests import HTTPConnection
from starlette.responses import Response

from gateway.auth.principal import Principal, PrincipalKind
from gateway.config import ClientLimit, GatewayMode, RateLimitSettings, Settings
from gateway.errors import ClientRateLimited, QueryTooComplex, graphql_code

log = logging.getLogger("gateway.auth.rate_limits")

REQUESTS = "requests"
COST = "cost"


def enabled(settings: Settings) -> bool:
    """`RATE_LIMITS__ENABLED`, else on in production mode only."""
    if settings.rate_limits.enabled is not None:
        return settings.rate_limits.enabled
    return settings.mode is GatewayMode.PRODUCTION


def client_ip(connection: HTTPConnection, trusted: list[IPvAnyNetwork]) -> str:
    """The address the request comes from, looking through trusted proxies only.

    X-Forwarded-For is read right to left: each trusted proxy appends the address it
    received from, so the first untrusted one is the client; whatever lies left of
    it was written by the client and proves nothing.
    """
    peer = connection.client.host if connection.client else "unknown"
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [
        hop.strip()
        for header in connection.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
    ]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    return peer


def _is_trusted(address: str, trusted: list[IPvAnyNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False  # not an address: never a proxy we trust
    return any(ip in network for network in trusted)


def retry_after(window: tuple[int, float, int, float], limit: int, cost: int, expiry: int) -> int:
    """Seconds until `cost` units fit, if nothing else is spent meanwhile (at least 1).

    The sliding window counter weighs the previous window by the share of it still
    inside the sliding window: `previous * previous_ttl / expiry + current`, where
    `previous_ttl` is what is left of the current window and `current_ttl` runs from
    `2 * expiry` down to `expiry` (the counter outlives its window to be the previous).
    The weight falls linearly until the current window ends; then the current count
    becomes the previous one and falls the same way over the next window.
    """
    previous, previous_ttl, current, current_ttl = window
    budget = limit - cost
    left = max(0.0, current_ttl - expiry) if current else previous_ttl
    if current <= budget:
        wait = left - (budget - current) * expiry / previous if previous else 0.0
    else:
        wait = left + expiry * (1 - budget / current)
    return max(1, math.ceil(wait))


@dataclass(frozen=True, slots=True)
class Client:
    """Whose budget a request draws on: a kind, a hashed identity, and the budget."""

    kind: PrincipalKind
    key: str
    limit: ClientLimit


def client_of(
    principal: Principal, connection: HTTPConnection, settings: RateLimitSettings
) -> Client:
    """An API key by name, a JWT by subject, a shopper by email, anyone else by IP."""
    kind = principal.kind
    if kind is PrincipalKind.ANONYMOUS:
        identity = client_ip(connection, settings.trusted_proxies)
    elif kind is PrincipalKind.SHOPPER:
        identity = principal.email or principal.name
    else:
        identity = principal.name
    limit = {
        PrincipalKind.API_KEY: settings.api_key,
        PrincipalKind.JWT: settings.jwt,
        PrincipalKind.SHOPPER: settings.shopper,
        PrincipalKind.ANONYMOUS: settings.anonymous,
    }[kind]
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return Client(kind, digest, limit)


class ClientLimiter:
    """The budgets of every client, in Redis (shared by replicas) or in this process."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings.rate_limits
        url = settings.cache.url
        if url is None:
            self._storage: MemoryStorage | RedisStorage = MemoryStorage()
        else:
            self._storage = RedisStorage(
                "async+" + url,
                wrap_exceptions=True,
                key_prefix=f"{settings.cache.key_prefix}:limits",
            )
        self._limiter = SlidingWindowCounterRateLimiter(self._storage)

    def meter(self, principal: Principal, connection: HTTPConnection) -> Meter:
        """What one request draws on its client's budget."""
        return Meter(self, client_of(principal, connection, self._settings))

    async def spend(self, client: Client, unit: str, amount: int) -> None:
        """Take `amount` of `unit` from the client's window, or raise ClientRateLimited."""
        limit = client.limit.requests if unit == REQUESTS else client.limit.cost
        window = client.limit.window_s
        item = RateLimitItemPerSecond(limit, window, namespace=unit)
        try:
            if await self._limiter.hit(item, client.kind.value, client.key, cost=amount):
                return
            counts = await self._storage.get_sliding_window(
                item.key_for(client.kind.value, client.key), item.get_expiry()
            )
        except StorageError as exc:
            log.warning("rate limit store unavailable, request let through: %s", type(exc).__name__)
            return
        wait = retry_after(counts, limit, amount, item.get_expiry())
        log.info(
            "client limited: kind=%s client=%s unit=%s limit=%d window_s=%d retry_after=%d",
            client.kind.value,
            client.key[:12],
            unit,
            limit,
            window,
            wait,
        )
        raise ClientRateLimited(unit, limit, window, wait)


@dataclass
class Meter:
    """One request's draw on its client's budget, and the refusal it met, if any."""

    limiter: ClientLimiter
    client: Client
    refusal: ClientRateLimited | None = field(default=None)

    async def admit(self) -> None:
        """One request; raises (and keeps) ClientRateLimited over the budget."""
        await self._spend(REQUESTS, 1)

    async def charge(self, cost: int) -> None:
        """The accepted operation's cost units.

        An operation costing more than the whole window's budget could never run for
        this client: that is QueryTooComplex, not a wait."""
        if cost > self.client.limit.cost:
            raise QueryTooComplex(COST, cost, self.client.limit.cost)
        if cost > 0:
            await self._spend(COST, cost)

    async def _spend(self, unit: str, amount: int) -> None:
        try:
            await self.limiter.spend(self.client, unit, amount)
        except ClientRateLimited as refused:
            self.refusal = refused
            raise


def refusal_error(refused: ClientRateLimited) -> GraphQLError:
    """The one error a request over its client's budget answers."""
    return GraphQLError(
        refused.safe_message,
        extensions={
            "code": graphql_code(refused).value,
            "retryAfter": refused.retry_after,
            "unit": refused.unit,
            "limit": refused.limit,
            "windowSeconds": refused.window_s,
        },
    )


def too_many(response: Response, refused: ClientRateLimited) -> None:
    """HTTP 429 and `Retry-After` on the answer of a refused request."""
    response.status_code = 429
    response.headers["Retry-After"] = str(refused.retry_after)
