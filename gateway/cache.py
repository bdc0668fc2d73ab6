"""The one aiocache instance of an app, and the one key scheme.

In-memory unless `CACHE__URL` names Redis. Values are JSON, never pickle. Keys are
`<prefix>:<account hash>:...` so that gateways serving different merchants through
one Redis never read each other's entries, and no secret appears in a key. What
lives under an account namespace (the read cache in `gateway.middleware.cached`,
idempotency records in `gateway.idempotency`) picks its own suffixes.
"""

from __future__ import annotations

import enum
import hashlib
import json
from typing import Any
from urllib.parse import urlparse

import orjson
from aiocache import Cache
from aiocache.base import BaseCache
from aiocache.serializers import BaseSerializer
from redis.asyncio import BlockingConnectionPool

from gateway.config import CacheSettings


class CacheKind(enum.Enum):
    """What the read cache keeps, each with its own TTL and its own metrics."""

    CUSTOMER = "customer"
    ADDRESSES = "addresses"
    PAYMENT_SOURCES = "payment_sources"
    ORDERS = "orders"
    SEARCH = "search"

    def ttl_s(self, settings: CacheSettings) -> int:
        ttls = {
            CacheKind.CUSTOMER: settings.customer_ttl_s,
            CacheKind.ADDRESSES: settings.addresses_ttl_s,
            CacheKind.PAYMENT_SOURCES: settings.payment_sources_ttl_s,
            CacheKind.ORDERS: settings.orders_ttl_s,
            CacheKind.SEARCH: settings.search_ttl_s,
        }
        return ttls[self]


class JsonBytes(BaseSerializer):  # type: ignore[misc]  # aiocache is untyped
    """JSON with orjson: decoding a warm page's entries took most of a cache hit's time
    with the standard library (issue 16).

    orjson writes no integer past 64 bits (a provider's `native` payload may hold one)
    and would read one back as a float: such a value is written by the standard library
    behind a marker byte and read back by it, exactly. Text written before (plain JSON)
    still reads.
    """

    DEFAULT_ENCODING = None  # bytes in, bytes out: no decode to str and back
    WIDE = b"\x00"

    def dumps(self, value: Any) -> bytes:
        try:
            return orjson.dumps(value)
        except TypeError:
            return self.WIDE + json.dumps(value, separators=(",", ":")).encode()

    def loads(self, value: bytes | str | None) -> Any:
        if value is None:
            return None
        if isinstance(value, bytes) and value[:1] == self.WIDE:
            return json.loads(value[1:])
        return orjson.loads(value)


def create_cache(settings: CacheSettings) -> BaseCache:
    if settings.url is None:
        return Cache(Cache.MEMORY, serializer=JsonBytes())
    url = urlparse(settings.url)
    if url.scheme not in {"redis", "rediss"}:
        raise ValueError("CACHE__URL must be a redis:// URL")
    db = int(url.path.lstrip("/") or 0)
    return Cache(
        Cache.REDIS,
        endpoint=url.hostname or "127.0.0.1",
        port=url.port or 6379,
        db=db,
        password=url.password,
        ssl=url.scheme == "rediss",
        create_connection_timeout=2.0,
        # redis-py's default pool fails a command outright past 100 connections; a
        # burst of concurrent queries should queue for a connection instead.
        connection_pool_class=BlockingConnectionPool,
        pool_max_size=settings.max_connections,
        connection_pool_kwargs={"username": url.username} if url.username else None,
        serializer=JsonBytes(),
    )


async def close_cache(cache: BaseCache) -> None:
    """Release the backend's connections (redis-py deprecates the `close` aiocache calls)."""
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "aclose"):
        await client.aclose()
    else:
        await cache.close()


def account_namespace(*identity: str, prefix: str = "cg") -> str:
    """A short hash of what identifies the provider accounts (never the secrets)."""
    digest = hashlib.sha256("\x1f".join(identity).encode()).hexdigest()[:12]
    return f"{prefix}:{digest}"
