"""The gateway's own shopper tokens: what `loginShopper` hands out and the gateway accepts.

A provider's shopper login proves an email and password once; the gateway then
issues a short-lived JWT, HS256 with `AUTH__SIGNING_KEY`, so that later requests
carry a credential the gateway checks itself, without asking the provider again.
The token holds no provider credential: the provider's own customer token is
dropped after the login (ownership is enforced by the gateway on every field, and a
provider token inside a readable JWT would hand the bearer a 24-hour provider
credential). The `iss` claim is what tells a gateway token from an identity
provider's: only tokens naming this issuer are checked with the signing key, and
only with HS256, so an RS256/ES256 public key can never verify an HMAC forgery.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from gateway.auth.principal import Principal, PrincipalKind, Scope
from gateway.errors import Unauthenticated
from gateway.sameas import normalize_email

ISSUER = "customer-gateway"
ALGORITHM = "HS256"
SHOPPER_SCOPES = frozenset({Scope.SHOPPER})
"""A shopper acts for themselves only: whatever else a token claims is ignored."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: int
    """Epoch seconds."""


def issue(
    signing_key: str, subject: str, email: str, ttl_s: int, now: float | None = None
) -> IssuedToken:
    """A signed shopper token for `email` (normalized), valid `ttl_s` seconds from `now`."""
    issued_at = int(time.time() if now is None else now)
    normalized = normalize_email(email)
    if normalized is None:
        raise ValueError("a shopper token needs an email")
    claims = {
        "iss": ISSUER,
        "sub": subject,
        "email": normalized,
        "scope": Scope.SHOPPER.value,
        "iat": issued_at,
        "exp": issued_at + ttl_s,
    }
    return IssuedToken(jwt.encode(claims, signing_key, algorithm=ALGORITHM), issued_at + ttl_s)


def is_gateway_token(token: str) -> bool:
    """Whether `token` claims to be one of ours (unverified: `verify` decides if it is)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return False
    return isinstance(claims, Mapping) and claims.get("iss") == ISSUER


def verify(signing_key: str, token: str) -> Principal:
    """The shopper a valid gateway token names; `Unauthenticated` for anything else."""
    try:
        claims: Mapping[str, Any] = jwt.decode(
            token,
            signing_key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "sub", "email"]},
        )
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated(f"shopper token refused: {type(exc).__name__}") from exc
    email = normalize_email(claims.get("email") if isinstance(claims.get("email"), str) else None)
    subject = claims.get("sub")
    if email is None or not isinstance(subject, str) or claims.get("scope") != "shopper":
        raise Unauthenticated("shopper token claims malformed")
    return Principal(PrincipalKind.SHOPPER, subject, SHOPPER_SCOPES, email=email)
