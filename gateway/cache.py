"""The one aiocache instance of an app, and the one key scheme.

In-memory unless `CACHE__URL` names Redis. Values are JSON, never pickle. Keys are
`cg:<account hash>:...` so that gateways serving different merchants through one
Redis never read each other's entries, and no secret appears in a key.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlparse

from aiocache import Cache
from aiocache.base import BaseCache
from aiocache.serializers import JsonSerializer

from gateway.config import CacheSettings


def create_cache(settings: CacheSettings) -> BaseCache:
    if settings.url is None:
        return Cache(Cache.MEMORY, serializer=JsonSerializer())
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
        serializer=JsonSerializer(),
    )


def account_namespace(*identity: str) -> str:
    """A short hash of what identifies the provider accounts (never the secrets)."""
    digest = hashlib.sha256("\x1f".join(identity).encode()).hexdigest()[:12]
    return f"cg:{digest}"
