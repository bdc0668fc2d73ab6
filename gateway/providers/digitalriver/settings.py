"""Digital River's settings (`DIGITALRIVER__*`): the secret key and an optional API version."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr

from gateway.contract import ProviderSettings

SANDBOX_SECRET_KEY = "sk_test_sandbox-digitalriver-secret"
"""What the embedded sandbox accepts when no key is configured."""


class DigitalRiverSettings(ProviderSettings):
    credential_fields: ClassVar[tuple[str, ...]] = ("secret_key",)
    host_fields: ClassVar[tuple[str, ...]] = ()

    secret_key: SecretStr | None = None
    max_in_flight: int = Field(
        default=25, ge=1, description="Concurrent calls; test keys allow 25 requests/s."
    )
    api_version: str | None = None
