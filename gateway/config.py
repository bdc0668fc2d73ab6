"""Every setting of the gateway, read once from the environment and `.env`.

One nested model per provider (`SQUARE__ACCESS_TOKEN`, `CLOVER__MERCHANT_ID`, ...).
A provider without credentials runs against its sandbox; `base_url` is always
configurable, which is how sandboxes and real environments plug in alike.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ProviderSettings(BaseModel):
    enabled: bool = True
    timeout_s: float = Field(default=5.0, gt=0, description="Deadline for one upstream call.")
    base_url: str | None = None
    max_in_flight: int = Field(default=64, ge=1, description="Concurrent upstream requests.")

    @property
    def is_live(self) -> bool:
        """True when credentials point the adapter at the real provider, not a sandbox."""
        return False


class SquareSettings(ProviderSettings):
    access_token: SecretStr | None = None
    environment: Literal["sandbox", "production"] = "sandbox"
    api_version: str = "2025-08-20"

    @property
    def is_live(self) -> bool:
        return self.access_token is not None


class CloverSettings(ProviderSettings):
    access_token: SecretStr | None = None
    merchant_id: str | None = None
    environment: Literal["sandbox", "production"] = "sandbox"
    region: Literal["us", "eu", "la"] = "us"
    ecommerce_base_url: str | None = None
    max_in_flight: int = Field(default=5, ge=1, description="Clover allows 5 per token.")
    max_requests_per_s: int = Field(
        default=16, ge=1, description="Requests started per second; Clover allows 16 per token."
    )

    @property
    def is_live(self) -> bool:
        return self.access_token is not None


class ElasticPathSettings(ProviderSettings):
    client_id: str | None = None
    client_secret: SecretStr | None = None
    max_in_flight: int = Field(
        default=25, ge=1, description="Concurrent calls; a development store allows 25/s."
    )

    @property
    def is_live(self) -> bool:
        return self.client_id is not None and self.client_secret is not None


class DigitalRiverSettings(ProviderSettings):
    secret_key: SecretStr | None = None
    max_in_flight: int = Field(
        default=25, ge=1, description="Concurrent calls; test keys allow 25 requests/s."
    )
    api_version: str | None = None

    @property
    def is_live(self) -> bool:
        return self.secret_key is not None


class CacheSettings(BaseModel):
    """Read caching around every provider; TTLs bound staleness for changes made elsewhere.

    A TTL of 0 leaves that kind uncached. Writes through the gateway never wait for
    a TTL: they invalidate what they touched at once, on every replica sharing Redis.
    """

    enabled: bool = True
    url: str | None = Field(default=None, description="redis://host:port/db; unset: in-memory.")
    key_prefix: str = Field(
        default="cg",
        pattern=r"^[A-Za-z0-9_.-]{1,32}$",
        description="First segment of every key: separates deployments sharing one Redis.",
    )
    max_connections: int = Field(
        default=50, ge=1, description="Redis connections per process; more commands wait."
    )
    customer_ttl_s: int = Field(default=60, ge=0)
    addresses_ttl_s: int = Field(default=60, ge=0)
    payment_sources_ttl_s: int = Field(default=60, ge=0)
    orders_ttl_s: int = Field(default=30, ge=0)
    search_ttl_s: int = Field(default=15, ge=0)
    idempotency_ttl_s: int = 24 * 3600


class FaultSettings(BaseModel):
    """Failures a sandbox injects into every request it serves."""

    latency_ms: int = Field(default=0, ge=0)
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    error_status: int = Field(default=503, ge=400, le=599)
    hang: bool = False


class SandboxSettings(BaseModel):
    seed: int = 20261122
    people: int = Field(default=200, ge=0)
    faults: dict[str, FaultSettings] = Field(
        default_factory=dict, description="Per provider slug, applied at startup."
    )
    clover_rate_limit_per_s: int = Field(default=16, ge=1)
    clover_max_in_flight: int = Field(default=5, ge=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_nested_delimiter="__",
        extra="ignore",
    )

    square: SquareSettings = SquareSettings()
    clover: CloverSettings = CloverSettings()
    elasticpath: ElasticPathSettings = ElasticPathSettings()
    digitalriver: DigitalRiverSettings = DigitalRiverSettings()
    cache: CacheSettings = CacheSettings()
    sandbox: SandboxSettings = SandboxSettings()
    sandbox_url: str | None = Field(
        default=None,
        description="Use the sandboxes served there instead of mounting our own.",
    )
    cors_origins: list[str] = Field(default_factory=list)
    phone_default_region: str = "US"
    max_page_size: int = Field(default=100, ge=1)
    log_level: str = "INFO"
