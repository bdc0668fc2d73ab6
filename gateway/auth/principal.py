"""The authenticated caller of one request, as every authorization decision reads it."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from gateway.model import ProviderName


class Scope(enum.Enum):
    """What a credential may do; a JWT's `scope` claim and an API key entry list these."""

    SCHEMA_READ = "schema:read"
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    CUSTOMERS_DELETE = "customers:delete"
    CUSTOMERS_FORGET = "customers:forget"
    PAYMENT_SOURCES_WRITE = "payment_sources:write"
    NATIVE_READ = "native:read"
    SHOPPER = "shopper"


class PrincipalKind(enum.Enum):
    ANONYMOUS = "anonymous"
    """No credentials, where authentication is not required (demo mode by default)."""
    API_KEY = "api_key"
    JWT = "jwt"
    SHOPPER = "shopper"
    """A JWT with the `shopper` scope and a verified email, or a gateway shopper token."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts for: the one input of scopes, shopper isolation, limits and audit.

    `name` is what the audit log and the rate limiter key on: an API key's configured
    name, a JWT's `sub`, or `anonymous`. It is never a secret.
    """

    kind: PrincipalKind
    name: str
    scopes: frozenset[Scope]
    providers: frozenset[ProviderName] | None = None
    """The providers this credential may reach; None: every enabled provider."""
    email: str | None = None
    """A shopper's verified email (normalized as `sameAs` normalizes it)."""

    def allows(self, scope: Scope) -> bool:
        return scope in self.scopes

    def reaches(self, provider: ProviderName) -> bool:
        return self.providers is None or provider in self.providers


ANONYMOUS_DEMO = Principal(
    PrincipalKind.ANONYMOUS,
    "anonymous",
    frozenset(Scope) - {Scope.SHOPPER},
)
"""Where authentication is not required, an anonymous caller may do everything but be a
shopper: the demo keeps working with no header at all."""
