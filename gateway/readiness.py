"""What `/readyz` answers: whether this replica can serve, and why not.

Not ready (503) means a restart or a config change is needed, so a load balancer
should send no traffic here: Redis configured (`CACHE__URL`) and unreachable, or a
provider's credentials refused. A provider that is merely down (5xx, timeout) is
shown as `degraded` but keeps the replica ready: every replica would see the same
outage, and taking them all out of rotation would turn one provider's trouble into
an outage of all four.

Credentials are checked with one cheap authenticated call per provider
(`CredentialCheck`), at startup and then every `readiness_interval_s` in the
background, never per probe: probes come every few seconds from every replica's
kubelet and must not spend the providers' rate limits. Redis is pinged per probe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from aiocache.base import BaseCache

from gateway.contract import CustomerProvider
from gateway.errors import ProviderAuthError, ProviderError
from gateway.model import ProviderName
from gateway.registry import Registry

log = logging.getLogger("gateway.readiness")

REDIS_TIMEOUT_S = 1.0
OK, DEGRADED, REFUSED, UNCHECKED = "ok", "degraded", "credentials_refused", "unchecked"


@dataclass(frozen=True, slots=True)
class ProviderState:
    """The outcome of a provider's last credential check."""

    status: str
    detail: str | None = None
    """The error's code and status, never its message (it may quote the upstream)."""


class Readiness:
    """The last credential check of each provider, refreshed in the background."""

    def __init__(
        self, registry: Registry, cache: BaseCache, redis_configured: bool, interval_s: float
    ) -> None:
        self._registry = registry
        self._cache = cache
        self._redis = redis_configured
        self._interval_s = interval_s
        self._states = {
            name: ProviderState(OK, "emulator")
            if self._emulated(name)
            else ProviderState(UNCHECKED)
            for name in registry
        }
        self._task: asyncio.Task[None] | None = None

    def _emulated(self, name: ProviderName) -> bool:
        """Our own sandbox takes its built-in credentials; in-app, it is not even listening
        while the lifespan starts."""
        connection = self._registry.connection(name)
        return connection is not None and connection.mode == "sandbox"

    async def start(self) -> None:
        """Check every provider once, then keep checking until `stop`."""
        await self.check_providers()
        self._task = asyncio.create_task(self._every_interval(), name="readiness")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _every_interval(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            await self.check_providers()

    async def check_providers(self) -> None:
        names = [name for name in self._registry if not self._emulated(name)]
        states = await asyncio.gather(*(_check(n, self._registry.get(n)) for n in names))
        for name, state in zip(names, states, strict=True):
            if state != self._states[name]:
                level = logging.INFO if state.status == OK else logging.WARNING
                log.log(level, "provider=%s readiness=%s", name.value, state.status)
            self._states[name] = state

    async def report(self) -> tuple[bool, dict[str, object]]:
        """Whether this replica is ready, and the body that says why."""
        causes: list[str] = []
        body: dict[str, object] = {}
        if self._redis:
            reachable = await self._redis_reachable()
            body["redis"] = "ok" if reachable else "unreachable"
            if not reachable:
                causes.append("redis")
        checks: dict[str, object] = {}
        for name, state in self._states.items():
            checks[name.value] = {"status": state.status, "detail": state.detail}
            if state.status in {REFUSED, UNCHECKED}:
                causes.append(name.value)
        degraded = any(s.status == DEGRADED for s in self._states.values())
        status = "not_ready" if causes else ("degraded" if degraded else "ready")
        return not causes, {
            "status": status,
            "causes": causes,
            **body,
            "providers": {
                name.value: connection.mode
                for name in self._registry
                if (connection := self._registry.connection(name)) is not None
            },
            "checks": checks,
        }

    async def _redis_reachable(self) -> bool:
        client = getattr(self._cache, "client", None)
        if client is None:
            return True
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_S):
                await client.ping()
        except Exception:  # any failure to answer a ping is "unreachable", whatever its type
            return False
        return True


async def _check(name: ProviderName, provider: CustomerProvider) -> ProviderState:
    check = getattr(provider, "check_credentials", None)
    if check is None:
        return ProviderState(OK, "no credential check")
    try:
        await check()
    except ProviderAuthError as exc:
        return ProviderState(REFUSED, _detail(exc))
    except ProviderError as exc:
        return ProviderState(DEGRADED, _detail(exc))
    return ProviderState(OK)


def _detail(exc: ProviderError) -> str:
    status = getattr(exc, "status", None)
    kind = type(exc).__name__
    return f"{kind} (HTTP {status})" if status else kind
