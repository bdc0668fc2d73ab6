"""Square's settings (`SQUARE__*`): a token, the environment, the pinned API version."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import SecretStr

from gateway.contract import ProviderSettings

SANDBOX_ACCESS_TOKEN = "sandbox-square-access-token"
"""What the embedded sandbox accepts when no token is configured (README: Sandboxes)."""


class SquareSettings(ProviderSettings):
    credential_fields: ClassVar[tuple[str, ...]] = ("access_token",)
    host_fields: ClassVar[tuple[str, ...]] = ("environment",)

    access_token: SecretStr | None = None
    environment: Literal["sandbox", "production"] = "sandbox"
    api_version: str = "2025-08-20"
