"""The per-request GraphQL context: loaders, the mutation service, partial answers' failures."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo
from strawberry.types.nodes import Selection

from gateway.auth.principal import ANONYMOUS_DEMO, Principal
from gateway.auth.rate_limits import Meter
from gateway.auth.shoppers import Ownership
from gateway.config import Settings
from gateway.errors import GatewayError
from gateway.loaders import Loaders, build_loaders
from gateway.middleware.failfast import FailFastProvider, Outages
from gateway.model import ProviderName
from gateway.registry import Registry
from gateway.service import CustomerService
from schema.cost import Estimate

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class DeferredError:
    """A provider's failure for part of an answer whose other parts still answer.

    `owner` is the path of the object missing that part (a connection, the viewer, a
    customer): its `complete` field is where the error is reported (schema.partial).
    """

    owner: Path
    provider: ProviderName
    error: GatewayError


@dataclass(frozen=True, slots=True)
class FailureList:
    """Where an owner's `missingProviders` answered and how many failures it knew of.

    A failure found after it answered (a customer's nested field, failing later in
    the same execution) is added once execution ends, from the field's selection.
    """

    owner: Path
    path: Path
    selections: list[Selection]
    count: int


@dataclass
class GatewayContext(BaseContext):
    settings: Settings
    registry: Registry
    loaders: Loaders
    service: CustomerService
    deferred_errors: list[DeferredError] = field(default_factory=list)  # one per provider
    missing: dict[Path, list[DeferredError]] = field(default_factory=dict)  # every, per owner
    complete_slots: dict[Path, list[Path]] = field(default_factory=dict)  # owner -> `complete`
    failure_lists: list[FailureList] = field(default_factory=list)
    cost: Estimate | None = None  # the accepted operation's, from schema.limits
    principal: Principal = ANONYMOUS_DEMO  # who asks: gateway.auth.authenticate
    meter: Meter | None = None  # the client's budget, set by the router when limits apply
    ownership: Ownership | None = None  # a shopper's own records, read on first use

    def __post_init__(self) -> None:
        super().__init__()

    def defer(self, owner: Path, provider: ProviderName, error: GatewayError) -> None:
        """Report that `provider`'s part of the object at `owner` is missing.

        The owner lists every provider it misses; the request reports one error per
        failed provider, for the first owner it failed (a provider down for a page's
        listing is down for its sameAs too).
        """
        deferred = DeferredError(owner, provider, error)
        missing = self.missing.setdefault(owner, [])
        if all(d.provider is not provider for d in missing):
            missing.append(deferred)
        if all(d.provider is not provider for d in self.deferred_errors):
            self.deferred_errors.append(deferred)


def build_context(
    settings: Settings, registry: Registry, principal: Principal = ANONYMOUS_DEMO
) -> GatewayContext:
    """The request's context; its registry holds only the providers `principal` reaches,
    so listings, sameAs and every lookup see no other."""
    outages = Outages()
    reachable = registry.only(principal.reaches)
    scoped = reachable.view(lambda provider: FailFastProvider(provider, outages))
    loaders = build_loaders(scoped, settings.phone_default_region)
    return GatewayContext(
        settings=settings,
        registry=scoped,
        loaders=loaders,
        service=CustomerService(scoped, loaders),
        principal=principal,
    )


Info = StrawberryInfo[GatewayContext, None]
