"""Which providers are enabled and how each is reached, built once from Settings.

Everything here reads `gateway.providers.SPECS`; nothing names a provider.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from aiocache.base import BaseCache
from pydantic import SecretStr

from gateway.cache import account_namespace
from gateway.config import GatewayMode, Settings
from gateway.contract import (
    Connection,
    CustomerProvider,
    ProviderDeps,
    ProviderSettings,
    SandboxLink,
)
from gateway.errors import UserErrorCode, UserInputError
from gateway.idempotency import IdempotencyStore
from gateway.middleware.breaker import BreakerProvider, Circuit
from gateway.middleware.confined import ConfinedProvider
from gateway.model import ProviderName
from gateway.providers import SPECS

log = logging.getLogger("gateway.providers")


def needs_sandbox(settings: Settings) -> bool:
    """True when some enabled provider has no credentials and so runs on a sandbox: demo only."""
    if settings.mode is GatewayMode.PRODUCTION:
        return False
    configs = [settings.provider(spec.name) for spec in SPECS]
    return any(config.enabled and not config.is_live for config in configs)


@dataclass(frozen=True, slots=True)
class Registration:
    provider: CustomerProvider
    connection: Connection
    namespace: str
    """The account's cache key namespace: read cache and idempotency records."""
    circuit: Circuit | None
    """The account's breaker; None where `<PROVIDER>__BREAKER__ENABLED` is false."""


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
                name: dataclasses.replace(r, provider=wrap(r.provider))
                for name, r in self._registrations.items()
            }
        )

    def only(self, keep: Callable[[ProviderName], bool]) -> Registry:
        """The providers `keep` accepts (those a credential may reach); this one unchanged."""
        return Registry({n: r for n, r in self._registrations.items() if keep(n)})

    def replace(self, wrap: Callable[[CustomerProvider], CustomerProvider]) -> None:
        """Wrap every provider (cache, metrics): wrappers implement the same contract."""
        for name, registration in self._registrations.items():
            self._registrations[name] = dataclasses.replace(
                registration, provider=wrap(registration.provider)
            )

    def circuit(self, provider: ProviderName) -> Circuit | None:
        registration = self._registrations.get(provider)
        return registration.circuit if registration else None

    def namespace(self, provider: ProviderName) -> str:
        """The cache key namespace of this provider's account (see `gateway.cache`)."""
        return self._registrations[provider].namespace

    async def aclose(self) -> None:
        for registration in self._registrations.values():
            await registration.provider.aclose()


def build_registry(settings: Settings, sandbox: SandboxLink | None, cache: BaseCache) -> Registry:
    registrations: dict[ProviderName, Registration] = {}
    for spec in SPECS:
        provider = spec.name
        config = settings.provider(provider)
        if not config.enabled:
            log.info("provider=%s disabled", provider.value)
            continue
        namespace = account_namespace(
            provider.value, _identity(config, sandbox, provider), prefix=settings.cache.key_prefix
        )
        deps = ProviderDeps(
            idempotency=IdempotencyStore(cache, settings.cache.idempotency_ttl_s, namespace)
        )
        adapter, connection = spec.builder()(config, sandbox, deps)
        wrapped: CustomerProvider = ConfinedProvider(adapter)
        circuit = Circuit(provider, config.breaker) if config.breaker.enabled else None
        if circuit is not None:
            wrapped = BreakerProvider(wrapped, circuit)
        registrations[provider] = Registration(wrapped, connection, namespace, circuit)
        log.info(
            "provider=%s mode=%s base_url=%s", provider.value, connection.mode, connection.base_url
        )
    return Registry(registrations)


ACCOUNT_IDS = ("merchant_id", "client_id")


def _identity(config: ProviderSettings, sandbox: SandboxLink | None, provider: ProviderName) -> str:
    """What names the provider account, never a secret: base URL plus merchant/client id.

    Where the settings hold no account id (Square, Digital River: the token is the
    account), a truncated hash of each credential stands in, so two accounts behind
    one base URL never share cache entries while the secret stays out of every key.
    """
    parts = [config.base_url or (sandbox.url_for(provider.value) if sandbox else "")]
    for attribute in (*ACCOUNT_IDS, "environment", "region"):
        value = getattr(config, attribute, None)
        if value is not None:
            parts.append(f"{attribute}={value}")
    if not any(getattr(config, attribute, None) for attribute in ACCOUNT_IDS):
        for name in sorted(type(config).model_fields):
            secret = getattr(config, name)
            if isinstance(secret, SecretStr):
                digest = hashlib.sha256(b"cg-account\x1f" + secret.get_secret_value().encode())
                parts.append(f"{name}#{digest.hexdigest()[:16]}")
    return "|".join(parts)
