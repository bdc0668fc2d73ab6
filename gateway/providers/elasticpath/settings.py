"""Elastic Path's settings (`ELASTICPATH__*`): client_credentials and the store's host."""

from __future__ import annotations

from pydantic import Field, SecretStr

from gateway.contract import ProviderSettings

SANDBOX_CLIENT_ID = "sandbox-elasticpath-client-id"
SANDBOX_CLIENT_SECRET = "sandbox-elasticpath-client-secret"
"""What the embedded sandbox accepts when no credentials are configured."""


class ElasticPathSettings(ProviderSettings):
    client_id: str | None = None
    client_secret: SecretStr | None = None
    max_in_flight: int = Field(
        default=25, ge=1, description="Concurrent calls; a development store allows 25/s."
    )

    @property
    def is_live(self) -> bool:
        return self.client_id is not None and self.client_secret is not None
