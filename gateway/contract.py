"""The contract every provider implements, and the spec that registers it.

Batch-first: every read takes many keys and answers in key order, so the per-request
DataLoaders can hand a provider one batch per field of a page. Whatever a provider
cannot do is stated in its `Capabilities`; the service checks them before calling,
so a client hears UNSUPPORTED_FIELD or UNSUPPORTED_OPERATION instead of silence.

A provider package declares one `ProviderSpec` in its `__init__.py`; the registry,
the settings, the sandbox mount and the contract suite all read the one list of
specs in `gateway.providers`. The spec names its adapter and its emulator by
import path, so neither is loaded until it is used.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Protocol
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from gateway.errors import UserErrorCode, UserInputError
from gateway.ids import IdRules
from gateway.model import (
    Address,
    AddressFields,
    Customer,
    CustomerFields,
    CustomerPage,
    CustomerQuery,
    ForgetOutcome,
    NewCustomer,
    Order,
    PaymentSource,
    ProviderName,
)

if TYPE_CHECKING:
    import httpx

    from gateway.idempotency import IdempotencyStore


class Operation(enum.Enum):
    """Contract mutations a provider may or may not support."""

    CREATE = "createCustomer"
    UPDATE = "updateCustomer"
    DELETE = "deleteCustomer"
    ADD_ADDRESS = "addCustomerAddress"
    UPDATE_ADDRESS = "updateCustomerAddress"
    REMOVE_ADDRESS = "removeCustomerAddress"
    ATTACH_PAYMENT_SOURCE = "attachPaymentSource"
    DETACH_PAYMENT_SOURCE = "detachPaymentSource"
    SET_DEFAULT_PAYMENT_SOURCE = "setDefaultPaymentSource"
    FORGET = "forgetCustomer"


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a provider can store and do, in unified terms, and what it accepts.

    The service and the loaders check `ids` and the maximum lengths before any
    upstream call, so a hostile id or an oversized value never reaches the provider.
    """

    writable_fields: frozenset[str]
    """`CustomerFields` keys the provider stores (create and update)."""
    address_fields: frozenset[str]
    """`AddressFields` keys the provider stores."""
    operations: frozenset[Operation]
    max_addresses: int | None
    """None: unlimited."""
    ids: IdRules
    """The form of each kind of id the provider issues (or, for `customer`, accepts at create)."""
    max_lengths: Mapping[str, int] = field(default_factory=dict)
    """The longest value the provider documents per `CustomerFields` string key; keys
    it documents nothing for get the gateway's caps (`gateway.validation`)."""
    address_max_lengths: Mapping[str, int] = field(default_factory=dict)
    """The same for `AddressFields` keys."""
    caller_chosen_id: bool = False
    """Whether a create may name the customer's id (`providerId`, checked by `ids.customer`)."""
    make_default_on_attach: bool = False
    """Whether `attachPaymentSource(makeDefault: true)` can be honoured."""
    derived_fields: frozenset[str] = frozenset()
    """`CustomerFields` keys the provider shows but computes from stored ones (Square's
    `display_name` joins the names): writing back the value read changes nothing."""
    fixed_address_values: Mapping[str, str] = field(default_factory=dict)
    """Address fields the provider shows with one value always (the one address's
    `label`): writing that value back changes nothing."""
    payment_sources: bool = False
    """Whether the provider keeps payment sources the gateway can read."""
    payment_sources_by_id: bool = False
    """Whether `get_payment_sources` reads nothing of a customer but its provider id (no
    field of the record): a read by id then starts it with the record read, not after."""
    orders_by_id: bool = False
    """The same for `get_orders`."""
    forget_outcome: ForgetOutcome = ForgetOutcome.DELETED
    """What `forgetCustomer` does there."""
    list_page_size: int = 100
    """The most customers one upstream listing call returns."""
    rate_limit: RateLimit | None = None
    """The provider's documented request limits; None where it publishes none."""
    shopper_login: bool = False
    """Whether the provider logs shoppers in with email and password (`ShopperLogin`)."""

    @property
    def shown_customer_fields(self) -> frozenset[str]:
        """Fields a read can hold a value for: stored or derived."""
        return self.writable_fields | self.derived_fields


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A provider's documented request rate, as a client of the gateway feels it."""

    requests_per_second: float
    concurrent: int | None = None
    scope: str = "per credential"


class CustomerProvider(Protocol):
    """One provider account, spoken to in its own wire format over httpx.

    Reads answer aligned with their input. Mutations return the record as it is
    after the write, except attach, which answers what it attached. Errors are
    `gateway.errors` types only: no httpx or KeyError escapes an adapter.
    """

    name: ProviderName
    capabilities: Capabilities

    async def get_customers(self, ids: Sequence[str]) -> Sequence[Customer | None]:
        """Customers by provider id; None where the provider has no such customer."""
        ...

    async def search_customers(
        self, query: CustomerQuery, limit: int, cursor: str | None
    ) -> CustomerPage:
        """A page of customers matching every field of `query`, newest first.

        What the API cannot filter, the adapter filters itself: a query field is
        never ignored. A page may hold fewer than `limit` customers and still have
        a next cursor.
        """
        ...

    async def get_addresses(self, customers: Sequence[Customer]) -> Sequence[Sequence[Address]]: ...

    async def get_payment_sources(
        self, customers: Sequence[Customer]
    ) -> Sequence[Sequence[PaymentSource]]: ...

    async def get_orders(self, customers: Sequence[Customer]) -> Sequence[Sequence[Order]]:
        """Every order of each customer, newest first."""
        ...

    async def create_customer(self, new: NewCustomer, idempotency_key: str | None) -> Customer: ...

    async def update_customer(
        self, customer_id: str, fields: CustomerFields, expected_version: str | None
    ) -> Customer: ...

    async def delete_customer(self, customer_id: str, expected_version: str | None) -> None: ...

    async def add_address(self, customer_id: str, address: AddressFields) -> Customer: ...

    async def update_address(
        self, customer_id: str, address_id: str, address: AddressFields
    ) -> Customer:
        """Change the given fields of one address; the others keep their values."""
        ...

    async def remove_address(self, customer_id: str, address_id: str) -> Customer: ...

    async def attach_payment_source(
        self, customer_id: str, token: str, make_default: bool, idempotency_key: str | None
    ) -> PaymentSource:
        """The write alone: the source attached, as the write answered it (its id at least).

        The caller reads the customer back, so that a failed read is told apart from a
        failed write. The same `idempotency_key` attaches once: natively where the
        provider dedupes (Square), else through the gateway's store.
        """
        ...

    async def detach_payment_source(self, customer_id: str, source_id: str) -> Customer: ...

    async def set_default_payment_source(self, customer_id: str, source_id: str) -> Customer: ...

    async def forget_customer(self, customer_id: str) -> ForgetOutcome: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ShopperSession:
    """Who a provider's shopper login proved the caller to be; no provider token is kept."""

    customer_id: str


class ShopperLogin(Protocol):
    """Optional: a provider whose `Capabilities.shopper_login` is true also does this."""

    async def login_shopper(self, email: str, password: str) -> ShopperSession:
        """The customer these credentials are; a user error (INVALID_CREDENTIALS) if none."""
        ...


class CredentialCheck(Protocol):
    """Optional: a provider that can test its credentials with one cheap authenticated call.

    Readiness runs it at startup and then in the background, never per probe.
    """

    async def check_credentials(self) -> None:
        """Return if the credentials are accepted; `ProviderAuthError` if refused, another
        `ProviderError` if the provider could not say (down, timing out)."""
        ...


def declared_capabilities(spec: ProviderSpec) -> Capabilities:
    """The `CAPABILITIES` its adapter module declares, without building the adapter.

    The schema's descriptions are derived from these, so they cannot drift from what
    the service enforces.
    """
    module = spec.adapter.partition(":")[0]
    found: Capabilities = importlib.import_module(module).CAPABILITIES
    return found


def unsupported(provider: ProviderName, operation: Operation) -> UserInputError:
    """The error for an operation a provider's API has no form of."""
    return UserInputError(
        UserErrorCode.UNSUPPORTED_OPERATION,
        f"{provider.name} does not support {operation.value}.",
    )


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("expected an http:// or https:// URL with a host")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
"""A base URL kept as the string it was given (pydantic's own type would rewrite it)."""


class RetrySettings(BaseModel):
    """How one upstream request is sent again (`gateway.retries`): jittered exponential
    backoff, or the provider's `Retry-After` on a 429 when it is short enough."""

    model_config = ConfigDict(extra="forbid")

    attempts: int = Field(default=3, ge=1, le=10, description="Tries in all, the first included.")
    backoff_initial_s: float = Field(default=0.05, ge=0, le=10)
    backoff_max_s: float = Field(default=1.0, ge=0, le=60)
    jitter_s: float = Field(default=0.05, ge=0, le=10)
    max_retry_after_s: float = Field(
        default=2.0, ge=0, le=60, description="A longer `Retry-After` is answered, not waited."
    )


class BreakerSettings(BaseModel):
    """The account's circuit breaker (`gateway.middleware.breaker`)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    failures: int = Field(
        default=5, ge=1, description="Consecutive failed calls (outages, timeouts) that open it."
    )
    open_s: float = Field(default=15.0, gt=0, le=3600, description="Open this long, then a probe.")


class ProviderSettings(BaseModel):
    """What every provider's settings model has; each adds its credentials and hosts.

    Each provider names its credential fields, required together, and the fields that
    choose a real host. Any of them given means the real provider is meant, so a part
    missing stops the gateway at startup instead of quietly serving an emulator; an
    unknown key is a typo and is refused for the same reason.
    """

    model_config = ConfigDict(extra="forbid")

    credential_fields: ClassVar[tuple[str, ...]] = ()
    """Required together; all of them given makes the provider live."""
    host_fields: ClassVar[tuple[str, ...]] = ()
    """Besides `base_url`: settings that only mean something to the real provider."""

    enabled: bool = True
    timeout_s: float = Field(default=5.0, gt=0, description="Deadline for one upstream call.")
    base_url: HttpUrl | None = None
    max_in_flight: int = Field(default=64, ge=1, description="Concurrent upstream requests.")
    max_response_bytes: int = Field(
        default=8_000_000, ge=1_000, description="A larger answer is the provider's bad response."
    )
    retry: RetrySettings = Field(default_factory=RetrySettings)
    breaker: BreakerSettings = Field(default_factory=BreakerSettings)

    @property
    def is_live(self) -> bool:
        """True when credentials point the adapter at the real provider, not a sandbox."""
        return bool(self.credential_fields) and not self.missing_credentials()

    def missing_credentials(self) -> tuple[str, ...]:
        """Credential fields unset or empty."""
        return tuple(name for name in self.credential_fields if not _given(getattr(self, name)))

    def live_fields_given(self) -> tuple[str, ...]:
        """Credential and host fields set explicitly: each says the real provider is meant."""
        named = (*self.credential_fields, "base_url", *self.host_fields)
        return tuple(name for name in named if name in self.model_fields_set)


def _given(value: object) -> bool:
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value())
    return value is not None and value != ""


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


Builder = Callable[[Any, SandboxLink | None, ProviderDeps], tuple[CustomerProvider, Connection]]
"""`build(settings, sandbox, deps)`: the adapter for one account and how it is reached."""


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """One provider as the gateway registers it; adding a provider adds one of these."""

    name: ProviderName
    settings: type[ProviderSettings]
    """Read from `<NAME>__*` variables; the settings field is `name.value`."""
    adapter: str
    """`module:function` of the `Builder`."""
    emulator: str
    """`module:function` of the sandbox factory, `(people, sandbox settings) -> ASGI app`."""
    contract_case: str
    """`module:attribute` of the contract suite's case (tests only)."""

    @property
    def key(self) -> str:
        """The settings field, the sandbox path segment and the stats key."""
        return self.name.value

    def builder(self) -> Builder:
        built: Builder = load(self.adapter)
        return built


def load(path: str) -> Any:
    """The object a `module:attribute` path names, imported on first use."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)
