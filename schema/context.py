"""The per-request GraphQL context: loaders, the mutation service, deferred errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from gateway.auth.principal import ANONYMOUS_DEMO, Principal
from gateway.auth.rate_limits import Meter
from gateway.auth.shoppers import Ownership
from gateway.config import Settings
from gateway.errors import GatewayError
from gateway.loaders import Loaders, build_loaders
from gateway.middleware.failfast import FailFastProvider, Outages
from gateway.registry import Registry
from gateway.service import CustomerService
from schema.cost import Estimate


@dataclass(frozen=True, slots=True)
class DeferredError:
    """An error for part of a field whose other parts still answer (one provider down)."""

    path: tuple[str | int, ...]
    error: GatewayError


@dataclass
class GatewayContext(BaseContext):
    settings: Settings
    registry: Registry
    loaders: Loaders
    service: CustomerService
    deferred_errors: list[DeferredError] = field(default_factory=list)
    cost: Estimate | None = None  # the accepted operation's, from schema.limits
    principal: Principal = ANONYMOUS_DEMO  # who asks: gateway.auth.authenticate
    meter: Meter | None = None  # the client's budget, set by the router when limits apply
    ownership: Ownership | None = None  # a shopper's own records, read on first use

    def __post_init__(self) -> None:
        super().__init__()

    def defer(self, path: tuple[str | int, ...], error: GatewayError) -> None:
        """Report an error for part of a field that still answers with the rest.

        One error per failed provider per request, at the first path it failed
        (a provider down for a page's listing is down for its sameAs too).
        """
        provider = getattr(error, "provider", None)
        if provider is None or all(
            getattr(d.error, "provider", None) != provider for d in self.deferred_errors
        ):
            self.deferred_errors.append(DeferredError(path, error))


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
