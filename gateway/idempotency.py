"""Gateway-side idempotency for providers that have none (the rulings: 24 hours).

The key and the id of what it created are kept in the cache backend, so a retry
reaching another replica (sharing Redis) still finds it. A lock per key makes two
concurrent first attempts on one replica create once.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiocache.base import BaseCache

from gateway.model import ProviderName


class IdempotencyStore:
    def __init__(self, cache: BaseCache, ttl_s: int, namespace: str) -> None:
        self._cache = cache
        self._ttl_s = ttl_s
        self._namespace = namespace
        self._locks: dict[str, asyncio.Lock] = {}

    def _key(self, provider: ProviderName, key: str) -> str:
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return f"{self._namespace}:idem:{provider.value}:{digest}"

    async def run(
        self,
        provider: ProviderName,
        key: str,
        create: Callable[[], Awaitable[str]],
    ) -> tuple[str, bool]:
        """The id created for `key`, calling `create` only the first time.

        Answers (id, created_now): False when an earlier call with this key did it.
        """
        cache_key = self._key(provider, key)
        lock = self._locks.setdefault(cache_key, asyncio.Lock())
        async with lock:
            seen: Any = await self._cache.get(cache_key)
            if isinstance(seen, str):
                return seen, False
            created = await create()
            await self._cache.set(cache_key, created, ttl=self._ttl_s)
            return created, True
