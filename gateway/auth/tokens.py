"""JWTs from the merchant's identity provider, checked against its JWKS.

Only RS256 and ES256 are accepted (settings refuse others), and a token's `alg` must
be the one its key is for: `none`, HS256 with the public key as the secret, or an RSA
token naming an EC key all fail before any signature check. `exp`, `iss` and `aud`
are required and checked, `nbf` when present, with `LEEWAY_S` for clock skew.

The key set is fetched with httpx (async: PyJWKClient's blocking fetch would stall
every request in the loop), kept, and fetched again when a token names a `kid` it
does not hold: that is how rotated keys arrive. Fetches are at most one per
`jwks_refetch_interval_s` however many unknown kids arrive, so a flood of made-up
kids costs the identity provider nothing; concurrent requests wait on one fetch.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import jwt

from gateway.auth.principal import Principal, PrincipalKind, Scope
from gateway.config import AuthSettings
from gateway.errors import Unauthenticated
from gateway.sameas import normalize_email

log = logging.getLogger("gateway.auth")

LEEWAY_S = 30
KEY_TYPES = {"RSA", "EC"}
FETCH_TIMEOUT_S = 5.0


class KeySet:
    """The identity provider's public keys by `kid`, re-fetched on an unknown one, bounded."""

    def __init__(self, url: str, refetch_interval_s: float, client: httpx.AsyncClient) -> None:
        self._url = url
        self._interval = refetch_interval_s
        self._client = client
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0
        """How many fetches were made (tests read it to see the bound hold)."""

    async def key(self, kid: str | None) -> jwt.PyJWK:
        found = self._find(kid)
        if found is not None:
            return found
        async with self._lock:
            found = self._find(kid)
            if found is None and self._may_fetch():
                await self._fetch()
                found = self._find(kid)
        if found is None:
            raise Unauthenticated("token signed by an unknown key")
        return found

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid)

    def _may_fetch(self) -> bool:
        now = asyncio.get_running_loop().time()
        return self._fetched_at is None or now - self._fetched_at >= self._interval

    async def _fetch(self) -> None:
        self._fetched_at = asyncio.get_running_loop().time()
        self.fetches += 1
        try:
            response = await self._client.get(self._url, timeout=FETCH_TIMEOUT_S)
            response.raise_for_status()
            keys = response.json()["keys"]
            if not isinstance(keys, list):
                raise TypeError("keys is not a list")
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.warning("jwks fetch failed: error=%s", type(exc).__name__)
            return
        self._keys = dict(filter(None, map(_parsed, keys)))
        log.info("jwks fetched: keys=%d", len(self._keys))


def _parsed(data: object) -> tuple[str | None, jwt.PyJWK] | None:
    """One usable public key of the set; another kind (or a broken one) is skipped."""
    if not isinstance(data, dict) or data.get("kty") not in KEY_TYPES:
        return None
    try:
        key = jwt.PyJWK(data)
    except jwt.PyJWKError:
        return None
    kid = data.get("kid")
    return (kid if isinstance(kid, str) else None), key


class TokenVerifier:
    """Turns a merchant JWT into its principal, or refuses it as `Unauthenticated`."""

    def __init__(self, settings: AuthSettings, client: httpx.AsyncClient) -> None:
        assert settings.jwks_url is not None  # the caller builds one only then
        self._keys = KeySet(settings.jwks_url, settings.jwks_refetch_interval_s, client)
        self._algorithms = frozenset(settings.algorithms)
        self._issuer = settings.issuer
        self._audience = settings.audience

    @property
    def key_set(self) -> KeySet:
        return self._keys

    async def principal(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("malformed token") from exc
        algorithm = header.get("alg")
        if algorithm not in self._algorithms:
            raise Unauthenticated("token algorithm not accepted")
        kid = header.get("kid")
        key = await self._keys.key(kid if isinstance(kid, str) else None)
        if key.algorithm_name != algorithm:
            raise Unauthenticated("token algorithm does not match its key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"token refused: {type(exc).__name__}") from exc
        return claims_principal(claims)


def claims_principal(claims: dict[str, Any]) -> Principal:
    """The principal a verified token's claims describe.

    A token with the `shopper` scope is a shopper only with a verified email, and then
    nothing but a shopper, whatever other scopes it lists.
    """
    subject = claims.get("sub")
    raw = claims.get("scope", "")
    if not isinstance(subject, str) or not subject or not isinstance(raw, str):
        raise Unauthenticated("token claims malformed")
    known = {s.value: s for s in Scope}
    scopes = frozenset(known[s] for s in raw.split() if s in known)
    if Scope.SHOPPER not in scopes:
        return Principal(PrincipalKind.JWT, subject, scopes)
    email = claims.get("email")
    if claims.get("email_verified") is not True or not isinstance(email, str):
        raise Unauthenticated("shopper token without a verified email")
    return Principal(
        PrincipalKind.SHOPPER, subject, frozenset({Scope.SHOPPER}), email=normalize_email(email)
    )
