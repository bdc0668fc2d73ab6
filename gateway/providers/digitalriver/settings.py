"""Digital River's settings (`DIGITALRIVER__*`): the secret key and an optional API version."""

from __future__ import annotations

from pydantic import Field, SecretStr

from gateway.contract import ProviderSettings

SANDBOX_SECRET_KEY = "sk_test_sandbox-digitalriver-secret"
"""What the embedded sandbox accepts when no key is configured."""


class DigitalRiverSettings(ProviderSettings):
    secret_key: SecretStr | None = None
    max_in_flight: int = Field(
        default=25, ge=1, description="Concurrent calls; test keys allow 25 requests/s."
    )
    api_version: str | None = None

    @property
    def is_live(self) -> bool:
        return self.secret_key is not None
