"""Clover's settings (`CLOVER__*`): token, merchant, region and Clover's documented rate limits."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from gateway.contract import HttpUrl, ProviderSettings

SANDBOX_ACCESS_TOKEN = "sandbox-clover-access-token"
SANDBOX_MERCHANT_ID = "SBXMERCHANT01"
"""What the embedded sandbox accepts when no credentials are configured."""


class CloverSettings(ProviderSettings):
    credential_fields: ClassVar[tuple[str, ...]] = ("access_token", "merchant_id")
    host_fields: ClassVar[tuple[str, ...]] = ("environment", "region", "ecommerce_base_url")

    access_token: SecretStr | None = None
    merchant_id: str | None = None
    environment: Literal["sandbox", "production"] = "sandbox"
    region: Literal["us", "eu", "la"] = "us"
    ecommerce_base_url: HttpUrl | None = None
    max_in_flight: int = Field(default=5, ge=1, description="Clover allows 5 per token.")
    max_requests_per_s: int = Field(
        default=16, ge=1, description="Requests started per second; Clover allows 16 per token."
    )
