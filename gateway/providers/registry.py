"""Which providers are enabled and how each is reached, built once from Settings."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from aiocache.base import BaseCache

from gateway.cache import account_namespace
from gateway.config import ProviderSettings, Settings
from gateway.errors import UserErrorCode, UserInputError
from gateway.idempotency import IdempotencyStore
from gateway.model import ProviderName
from gateway.providers.base import CustomerProvider
from gateway.providers.wiring import Connection, ProviderDeps, SandboxLink

log = logging.getLogger("gateway.providers")

Builder = Callable[[Any, SandboxLink | None, ProviderDeps], tuple[CustomerProvider, Connection]]


def builders() -> dict[ProviderName, Builder]:
    """Every implemented provider; adding one means adding a line here."""
    from gateway.providers.square.adapter import build as square

    return {ProviderName.SQUARE: square}


def provider_settings(settings: Settings, provider: ProviderName) -> ProviderSettings:
    by_name: dict[ProviderName, ProviderSettings] = {
        ProviderName.SQUARE: settings.square,
        ProviderName.CLOVER: settings.clover,
        ProviderName.ELASTIC_PATH: settings.elasticpath,
        ProviderName.DIGITAL_RIVER: settings.digitalriver,
    }
    return by_name[provider]


def needs_sandbox(settings: Settings) -> bool:
    """True when some enabled provider has no credentials and so runs on a sandbox."""
    return any(
        s.enabled and not getattr(s, "is_live", False)
        for p in builders()
        for s in (provider_settings(settings, p),)
    )


@dataclass(frozen=True, slots=True)
class Registration:
    provider: CustomerProvider
    connection: Connection


class Registry:
    """The enabled providers of one app, by name."""

    def __init__(self, registrations: dict[ProviderName, Registration]) -> None:
        self._registrations = registrations

    def __iter__(self) -> Iterator[ProviderName]:
        return iter(self._registrations)

    def __contains__(self, provider: object) -> bool:
        return provider in self._registrations

    def get(self, provider: ProviderName) -> CustomerProvider:
        registration = self._registrations.get(provider)
        if registration is None:
            raise UserInputError(
                UserErrorCode.INVALID,
                f"{provider.name} is not enabled on this gateway.",
                ("input", "provider"),
            )
        return registration.provider

    def connection(self, provider: ProviderName) -> Connection | None:
        registration = self._registrations.get(provider)
        return registration.connection if registration else None

    def view(self, wrap: Callable[[CustomerProvider], CustomerProvider]) -> Registry:
        """The same providers, each wrapped (per request); this registry is unchanged."""
        return Registry(
            {
                name: Registration(wrap(r.provider), r.connection)
                for name, r in self._registrations.items()
            }
        )

    def replace(self, wrap: Callable[[CustomerProvider], CustomerProvider]) -> None:
        """Wrap every provider (cache, metrics): wrappers implement the same contract."""
        for name, registration in self._registrations.items():
            self._registrations[name] = Registration(
                wrap(registration.provider), registration.connection
            )

    async def aclose(self) -> None:
        for registration in self._registrations.values():
            await registration.provider.aclose()


def build_registry(settings: Settings, sandbox: SandboxLink | None, cache: BaseCache) -> Registry:
    registrations: dict[ProviderName, Registration] = {}
    for provider, build in builders().items():
        config = provider_settings(settings, provider)
        if not config.enabled:
            log.info("provider=%s disabled", provider.value)
            continue
        deps = ProviderDeps(
            idempotency=IdempotencyStore(
                cache,
                settings.cache.idempotency_ttl_s,
                account_namespace(provider.value, _identity(config, sandbox, provider)),
            )
        )
        adapter, connection = build(config, sandbox, deps)
        registrations[provider] = Registration(adapter, connection)
        log.info(
            "provider=%s mode=%s base_url=%s", provider.value, connection.mode, connection.base_url
        )
    return Registry(registrations)


def _identity(config: ProviderSettings, sandbox: SandboxLink | None, provider: ProviderName) -> str:
    """What names the provider account, without secrets: base URL plus merchant/client id."""
    parts = [config.base_url or (sandbox.url_for(provider.value) if sandbox else "")]
    for attribute in ("merchant_id", "client_id", "environment", "region"):
        value = getattr(config, attribute, None)
        if value is not None:
            parts.append(f"{attribute}={value}")
    return "|".join(parts)
