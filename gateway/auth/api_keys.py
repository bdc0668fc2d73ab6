"""API keys: the settings hold only each key's SHA-256, with a name and its scopes.

A presented key is hashed and compared with every configured digest in constant time
(`hmac.compare_digest`, no early exit on the first match), so neither the answer nor
its timing tells how close a guess came or which entry it was near.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from gateway.auth.principal import Principal, PrincipalKind, Scope
from gateway.config import ApiKeyEntry
from gateway.model import ProviderName

KEY_BYTES = 32
"""Random bytes per generated key: 43 URL-safe characters."""


def digest(key: str) -> str:
    """The hex SHA-256 a key entry holds (`sha256`)."""
    return hashlib.sha256(key.encode()).hexdigest()


def principal_of(entry: ApiKeyEntry) -> Principal:
    providers = None if entry.providers is None else frozenset(map(ProviderName, entry.providers))
    return Principal(
        PrincipalKind.API_KEY, entry.name, frozenset(map(Scope, entry.scopes)), providers
    )


class ApiKeys:
    """The configured keys, each already turned into the principal it authenticates."""

    def __init__(self, entries: list[ApiKeyEntry]) -> None:
        self._keys = [(entry.sha256.encode(), principal_of(entry)) for entry in entries]

    def __bool__(self) -> bool:
        return bool(self._keys)

    def principal(self, key: str) -> Principal | None:
        """The principal of `key`, or None for a key nobody configured."""
        presented = digest(key).encode()
        found: Principal | None = None
        for expected, principal in self._keys:
            if hmac.compare_digest(presented, expected):
                found = principal
        return found


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def entry_json(key: str, name: str, scopes: list[str], providers: list[str] | None) -> str:
    """The `AUTH__API_KEYS` list entry for `key`, validated as the settings will read it."""
    entry = ApiKeyEntry(name=name, sha256=digest(key), scopes=scopes, providers=providers)
    return json.dumps(entry.model_dump(exclude_none=True))
