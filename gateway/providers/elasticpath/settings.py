"""Elastic Path's settings (`ELASTICPATH__*`): client_credentials and the store's host."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr

from gateway.contract import ProviderSettings

SANDBOX_CLIENT_ID = "sandbox-elasticpath-client-id"
SANDBOX_CLIENT_SECRET = "sandbox-elasticpath-client-secret"
"""What the embedded sandbox accepts when no credentials are configured."""


class ElasticPathSettings(ProviderSettings):
    credential_fields: ClassVar[tuple[str, ...]] = ("client_id", "client_secret")
    host_fields: ClassVar[tuple[str, ...]] = ()

    client_id: str | None = None
    client_secret: SecretStr | None = None
    max_in_flight: int = Field(
        default=25, ge=1, description="Concurrent calls; a development store allows 25/s."
    )
