"""What the registry hands a provider package to build its adapter."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from gateway.idempotency import IdempotencyStore


@dataclass(frozen=True, slots=True)
class SandboxLink:
    """Where the sandboxes are: a URL, plus an in-process transport when mounted in-app."""

    base_url: str
    transport: httpx.AsyncBaseTransport | None = None

    def url_for(self, slug: str) -> str:
        return f"{self.base_url.rstrip('/')}/{slug}"


@dataclass(frozen=True, slots=True)
class Connection:
    """How one provider is reached, as the startup log and `providers` report it."""

    mode: str
    """`sandbox` for our emulator, else the provider's environment name."""
    base_url: str
    transport: httpx.AsyncBaseTransport | None = None


@dataclass(frozen=True, slots=True)
class ProviderDeps:
    """Shared services an adapter may need."""

    idempotency: IdempotencyStore
