"""Every setting of the gateway, read once from the environment and `.env`.

One nested model per provider (`SQUARE__ACCESS_TOKEN`, `CLOVER__MERCHANT_ID`, ...),
declared by the provider's own `settings.py` and added here from the list of
provider specs, so a new provider brings its settings with it. A provider without
credentials runs against its sandbox in demo mode only (`mode`); `base_url` is
always configurable, which is how sandboxes and real environments plug in alike.

Every nested model refuses unknown keys, so `SQUARE__ACCES_TOKEN` is an error, not
an emulator quietly standing in for Square; `gateway.startup` turns whatever is
wrong into one line.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    SecretStr,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.contract import HttpUrl, ProviderSettings
from gateway.model import ProviderName

AnyCase = BeforeValidator(lambda value: value.lower() if isinstance(value, str) else value)
"""A mode's name in any case: `GATEWAY_MODE=Production` is `production`."""


class Section(BaseModel):
    """A nested group of settings (`CACHE__*`, ...): an unknown key is a typo, refused."""

    model_config = ConfigDict(extra="forbid")


class CacheSettings(Section):
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

    @field_validator("url")
    @classmethod
    def _redis_url(cls, url: str | None) -> str | None:
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
                raise ValueError("expected redis://host[:port][/db] or rediss://...")
        return url


class PersistedQueryMode(enum.Enum):
    """`automatic`: Apollo's APQ, any document. `trusted`: the manifest's documents only."""

    AUTOMATIC = "automatic"
    TRUSTED = "trusted"
    OFF = "off"


class PersistedQuerySettings(Section):
    """Documents named by their SHA-256 instead of sent whole (`gateway.persisted`)."""

    mode: Annotated[PersistedQueryMode, AnyCase] = PersistedQueryMode.AUTOMATIC
    manifest: Path | None = Field(
        default=None,
        description="An apollo-persisted-query-manifest JSON file; required when trusted.",
    )
    ttl_s: int = Field(
        default=300, ge=0, description="How long an automatic one is kept; 0: until evicted."
    )

    @field_validator("manifest")
    @classmethod
    def _readable(cls, manifest: Path | None) -> Path | None:
        if manifest is not None:
            from gateway.persisted import read_manifest

            read_manifest(manifest)  # a ValueError saying what is wrong, never a document
        return manifest

    @model_validator(mode="after")
    def _trusted_needs_manifest(self) -> PersistedQuerySettings:
        if self.mode is PersistedQueryMode.TRUSTED and self.manifest is None:
            raise ValueError("PERSISTED_QUERIES__MODE=trusted needs PERSISTED_QUERIES__MANIFEST")
        return self


class ExecutionMode(enum.Enum):
    """`compiled`: plain fields read straight off their object (`schema.execution`)."""

    STANDARD = "standard"
    COMPILED = "compiled"


class ExecutionSettings(Section):
    """Which execution path answers; both give the same answers (the suite runs both)."""

    mode: Annotated[ExecutionMode, AnyCase] = ExecutionMode.COMPILED


class FaultKind(enum.Enum):
    """What a faulted sandbox request answers; the README's sandbox section lists each."""

    STATUS = "status"
    WRONG_SHAPE = "wrong_shape"
    EMPTY_BODY = "empty_body"
    HTML = "html"
    TRUNCATED_JSON = "truncated_json"
    WRONG_CONTENT_TYPE = "wrong_content_type"
    OVERSIZE = "oversize"
    RESET = "reset"
    DRIP = "drip"


class FaultSettings(Section):
    """Failures a sandbox injects into the requests it serves.

    `routes` picks the requests these settings touch (empty: all). Such a request waits
    `latency_ms`, or forever with `hang`, then gets the fault of `kind` when `times` is
    not used up and the seeded draw falls below `error_rate`; with `times` set and
    `error_rate` 0, every matching request gets it until `times` is used up. `{}` is no
    fault at all.
    """

    latency_ms: int = Field(default=0, ge=0)
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    error_status: int = Field(default=503, ge=400, le=599, description="For kind `status`.")
    hang: bool = False
    kind: FaultKind = FaultKind.STATUS
    retry_after_s: float | None = Field(
        default=None, ge=0, le=3600, description="`Retry-After` of a 429; unset: 1."
    )
    routes: list[Annotated[str, Field(pattern=r"^([A-Z]+ )?/\S*$")]] = Field(
        default_factory=list,
        description='"METHOD /route/template" or "/route/template", as `/sandbox/_stats` '
        "names routes; empty: every request.",
    )
    times: int | None = Field(
        default=None, ge=1, description="Fault at most this many requests, counted from when set."
    )
    oversize_bytes: int = Field(default=12_000_000, ge=16, le=200_000_000)
    drip_interval_ms: int = Field(default=200, ge=1, le=60_000)


class SandboxSettings(Section):
    seed: int = 20261122
    people: int = Field(default=200, ge=0)
    faults: dict[str, FaultSettings] = Field(
        default_factory=dict, description="Per provider slug, applied at startup."
    )
    clover_rate_limit_per_s: int = Field(default=16, ge=1)
    clover_max_in_flight: int = Field(default=5, ge=1)


class LimitSettings(Section):
    """Bounds on what one request may cost, checked before it runs and backed up while it runs.

    Defaults admit every query in the README and the tests; `LIMITS__*` raises them.
    """

    max_body_bytes: int = Field(default=1_000_000, ge=1, description="HTTP 413 beyond.")
    max_json_depth: int = Field(
        default=32, ge=2, description="Nesting of the JSON body and variables; HTTP 400 beyond."
    )
    max_query_depth: int = Field(default=12, ge=1, description="Nesting of selections.")
    max_aliases: int = Field(default=30, ge=1, description="Aliased fields in one operation.")
    max_tokens: int = Field(default=2_000, ge=1, description="Lexical tokens in one document.")
    max_cost: int = Field(default=5_000, ge=1, description="Static cost: see README, Security.")
    max_entities: int = Field(default=100, ge=1, description="Representations per `_entities`.")
    deadline_s: float = Field(default=10.0, gt=0, description="For the whole request.")
    max_upstream_calls: int = Field(
        default=500, ge=1, description="Upstream requests one GraphQL request may cause."
    )
    max_upstream_retries: int = Field(
        default=20, ge=0, description="Of those, how many may be retries of failed ones."
    )
    max_response_bytes: int = Field(default=10_000_000, ge=1, description="Encoded answer.")


class ClientLimit(Section):
    """What one client of a kind may spend per sliding window of `window_s` seconds.

    The defaults are an API key's or a merchant JWT's; the subclasses change them
    (each kind is a class so that one variable, `RATE_LIMITS__SHOPPER__REQUESTS`,
    keeps the kind's other defaults).
    """

    requests: int = Field(default=600, ge=1, description="GraphQL requests per window.")
    cost: int = Field(
        default=200_000, ge=1, description="Static cost units per window (see LIMITS__MAX_COST)."
    )
    window_s: int = Field(default=60, ge=1)


class ShopperLimit(ClientLimit):
    """One shopper's budget: a storefront session, far below a back office's."""

    requests: int = Field(default=120, ge=1)
    cost: int = Field(default=20_000, ge=1)


class AnonymousLimit(ClientLimit):
    """One client IP's budget, where a request without credentials is served at all."""

    requests: int = Field(default=60, ge=1)
    cost: int = Field(default=10_000, ge=1)


class RateLimitSettings(Section):
    """Per-client budgets of requests and cost units, counted over a sliding window.

    A client is an API key (by name), a merchant JWT (by subject), a shopper (by email
    or subject), or, without credentials, a client IP. Counts live in Redis when
    `CACHE__URL` is set (every replica shares them), else in the process. `enabled`
    unset means on in production mode and off in demo mode, as `AUTH__REQUIRED` does.
    """

    enabled: bool | None = None
    api_key: ClientLimit = ClientLimit()
    jwt: ClientLimit = ClientLimit()
    shopper: ShopperLimit = ShopperLimit()
    anonymous: AnonymousLimit = AnonymousLimit()
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Peers whose X-Forwarded-For names the client; unset: the socket peer is.",
    )


LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class ApiKeyEntry(Section):
    """One configured API key: only its SHA-256 is kept, with a name and what it may do."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="Shown in audit records.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="Hex SHA-256 of the key.")
    scopes: list[str] = Field(default_factory=list)
    providers: list[str] | None = Field(
        default=None, description="Provider slugs this key may reach; unset: every provider."
    )

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, scopes: list[str]) -> list[str]:
        from gateway.auth.principal import Scope

        known = {s.value for s in Scope}
        if unknown := [s for s in scopes if s not in known]:
            raise ValueError(f"unknown scope {unknown[0]!r}; expected some of {sorted(known)}")
        return scopes

    @field_validator("providers")
    @classmethod
    def _known_providers(cls, providers: list[str] | None) -> list[str] | None:
        known = {p.value for p in ProviderName}
        if providers and (unknown := [p for p in providers if p not in known]):
            raise ValueError(f"unknown provider {unknown[0]!r}; expected some of {sorted(known)}")
        return providers


class AuthSettings(Section):
    """Who may call `/graphql` (and `/metrics` when asked), and how often.

    `required` unset means: required in production mode, not in demo mode.
    """

    required: bool | None = None
    api_keys: list[ApiKeyEntry] = Field(default_factory=list)
    jwks_url: str | None = Field(default=None, description="The identity provider's JWKS.")
    issuer: str | None = None
    audience: str | None = None
    algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    jwks_refetch_interval_s: float = Field(
        default=60.0, ge=0, description="At most one JWKS re-fetch for an unknown kid per this."
    )
    signing_key: SecretStr | None = Field(
        default=None, description="Signs the gateway's own shopper tokens (loginShopper)."
    )
    shopper_token_ttl_s: int = Field(default=900, ge=60)
    introspection: bool = Field(default=True, description="Off: no introspection for anyone.")
    graphiql: bool = Field(default=True, description="Off: no GraphiQL page.")
    metrics_require_auth: bool = False

    @field_validator("algorithms")
    @classmethod
    def _asymmetric(cls, algorithms: list[str]) -> list[str]:
        """A JWKS holds public keys: HS* would take one as a shared secret, `none` no key."""
        if not algorithms or set(algorithms) - {"RS256", "ES256"}:
            raise ValueError("expected a list of RS256 and/or ES256")
        return algorithms

    @model_validator(mode="after")
    def _jwt_audience(self) -> AuthSettings:
        """A token of the same identity provider for another app must not pass."""
        if self.jwks_url and not (self.issuer and self.audience):
            raise ValueError("AUTH__JWKS_URL needs AUTH__ISSUER and AUTH__AUDIENCE")
        return self


class GatewayMode(enum.Enum):
    """`demo`: emulators stand in for providers without credentials. `production`: never."""

    DEMO = "demo"
    PRODUCTION = "production"


class CoreSettings(BaseSettings):
    """The settings that are not a provider's; `Settings` adds one field per provider."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_nested_delimiter="__",
        extra="ignore",
    )

    gateway_mode: Annotated[GatewayMode | None, AnyCase] = Field(
        default=None, description="Unset: see `mode`, which is what the gateway runs in."
    )
    limits: LimitSettings = LimitSettings()
    auth: AuthSettings = AuthSettings()
    rate_limits: RateLimitSettings = RateLimitSettings()
    cache: CacheSettings = CacheSettings()
    persisted_queries: PersistedQuerySettings = PersistedQuerySettings()
    execution: ExecutionSettings = ExecutionSettings()
    sandbox: SandboxSettings = SandboxSettings()
    sandbox_url: HttpUrl | None = Field(
        default=None,
        description="Use the sandboxes served there instead of mounting our own.",
    )
    cors_origins: list[str] = Field(default_factory=list)
    phone_default_region: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    max_page_size: int = Field(default=100, ge=1)
    log_level: str = "INFO"
    log_format: Literal["json", "text"] | None = Field(
        default=None, description="Unset: json in production mode, text in demo mode."
    )
    readiness_interval_s: float = Field(
        default=30.0, gt=0, description="Between background checks of provider credentials."
    )
    shutdown_grace_s: int = Field(
        default=10, ge=1, description="After SIGTERM, for requests in flight; then cut."
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, level: str) -> str:
        if level.upper() not in LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
        return level.upper()

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            parts = urlsplit(origin)
            if origin != "*" and (parts.scheme not in {"http", "https"} or not parts.hostname):
                raise ValueError('expected a JSON list of origins, e.g. ["https://app.example"]')
        return origins

    @property
    def mode(self) -> GatewayMode:
        """`GATEWAY_MODE`, else demo only while no provider credential or host is given.

        Any of them given (even for a disabled provider) says a real deployment is
        meant, where an emulator standing in for a forgotten credential would take
        writes into fake data.
        """
        if self.gateway_mode is not None:
            return self.gateway_mode
        from gateway.providers import SPECS

        given = any(self.provider(spec.name).live_fields_given() for spec in SPECS)
        return GatewayMode.PRODUCTION if given else GatewayMode.DEMO

    def provider(self, name: ProviderName) -> ProviderSettings:
        """The settings of one provider (its field is named by the provider's slug)."""
        value = getattr(self, name.value)
        if not isinstance(value, ProviderSettings):
            raise TypeError(f"no settings for {name.value}")
        return value


def _with_providers() -> type[CoreSettings]:
    from gateway.providers import SPECS

    fields: dict[str, Any] = {
        spec.key: (spec.settings, Field(default_factory=spec.settings)) for spec in SPECS
    }
    return create_model("Settings", __base__=CoreSettings, **fields)


if TYPE_CHECKING:
    Settings = CoreSettings
else:
    Settings = _with_providers()
