"""Persisted queries: documents named by their SHA-256 instead of sent whole.

A request names its document with `extensions.persistedQuery = {"version": 1,
"sha256Hash": "<64 hex>"}`, over POST or GET (`extensions` as a JSON query
parameter), with or without `query`. `PERSISTED_QUERIES__MODE` says what is served:

- `automatic` (the default): Apollo's automatic persisted queries. A hash alone that
  is not known answers `PERSISTED_QUERY_NOT_FOUND` ("PersistedQueryNotFound", HTTP
  200, as Apollo Server does), so Apollo Client's persisted-query link sends it again
  with the text; hash and text together run, and once the document has parsed and
  validated it is kept under its hash in the cache backend (`gateway.cache`: shared
  by every replica over Redis) for `PERSISTED_QUERIES__TTL_S`. A hash that is not the
  text's is `BAD_REQUEST`, "provided sha does not match query". Plain requests run
  as always.
- `trusted`: only the documents of the manifest (`PERSISTED_QUERIES__MANIFEST`, an
  `apollo-persisted-query-manifest`), named by their id or sent as their exact text.
  Anything else is refused before it is parsed, with no upstream call:
  `PERSISTED_QUERY_NOT_IN_LIST` for an unknown id, `QUERY_NOT_IN_SAFELIST` for a
  text (Apollo Router's codes), both HTTP 400. Nothing is learnt at run time.
- `off`: a request naming a persisted query answers `PERSISTED_QUERY_NOT_SUPPORTED`
  (HTTP 200), which turns Apollo Client's link off.

In automatic mode a manifest, when given, serves its documents by id as well.

Keys are `<CACHE__KEY_PREFIX>:apq:<sha256>`; the value is the document's text. No
document text, hash or manifest content reaches a log line or an error message.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiocache.base import BaseCache
from graphql import GraphQLError

from gateway.config import PersistedQueryMode, PersistedQuerySettings
from gateway.errors import ErrorCode, PersistedQueryRefused

log = logging.getLogger("gateway.persisted")

MANIFEST_FORMAT = "apollo-persisted-query-manifest"
SHA256 = re.compile(r"[0-9a-f]{64}")
NO_STORE = "private, no-cache, must-revalidate"
"""Cache-Control of a refusal (Apollo Server's): a CDN must not keep a NOT_FOUND."""

_REFUSED_DOCUMENT = frozenset(
    {ErrorCode.GRAPHQL_PARSE_FAILED.value, ErrorCode.GRAPHQL_VALIDATION_FAILED.value}
)


@dataclass(frozen=True, slots=True)
class Manifest:
    """The trusted documents: by id, and the set of their exact texts."""

    by_id: Mapping[str, str]
    bodies: frozenset[str]


def read_manifest(path: Path) -> Manifest:
    """The manifest at `path`, or a ValueError that says what is wrong (never its content)."""
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read the manifest ({type(exc).__name__})") from None
    except ValueError:
        raise ValueError("the manifest is not JSON") from None
    if (
        not isinstance(raw, dict)
        or raw.get("format") != MANIFEST_FORMAT
        or raw.get("version") != 1
        or not isinstance(raw.get("operations"), list)
    ):
        raise ValueError(f'expected {{"format": "{MANIFEST_FORMAT}", "version": 1, "operations"}}')
    by_id: dict[str, str] = {}
    for index, operation in enumerate(raw["operations"]):
        if not (
            isinstance(operation, dict)
            and isinstance(operation.get("id"), str)
            and operation["id"]
            and isinstance(operation.get("body"), str)
        ):
            raise ValueError(f"operation {index} needs a string `id` and `body`")
        if by_id.setdefault(operation["id"], operation["body"]) != operation["body"]:
            raise ValueError(f"operation {index} reuses the id of another document")
    return Manifest(by_id, frozenset(by_id.values()))


def sha256_of(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Named:
    """A request's document once its persisted query is resolved."""

    query: str | None
    register: str | None = None
    """The hash to keep `query` under once it has parsed and validated (automatic mode)."""


def _refused(code: ErrorCode, message: str, status: int = 400) -> PersistedQueryRefused:
    return PersistedQueryRefused(code, message, status)


def _requested_hash(extension: object) -> str:
    if not isinstance(extension, dict) or not isinstance(extension.get("sha256Hash"), str):
        raise _refused(
            ErrorCode.BAD_REQUEST, "`extensions.persistedQuery` needs a string `sha256Hash`."
        )
    if extension.get("version") != 1:
        raise _refused(ErrorCode.BAD_REQUEST, "Unsupported persisted query version.")
    sha: str = extension["sha256Hash"]
    return sha


def document_accepted(errors: list[GraphQLError]) -> bool:
    """Whether an answer's errors leave its document parsed and validated (worth keeping)."""
    for error in errors:
        extensions = error.extensions or {}
        if extensions.get("code") in _REFUSED_DOCUMENT or "tokens" in extensions:
            return False
    return True


class PersistedQueries:
    """Resolves the persisted query a request names, and keeps the automatic ones."""

    def __init__(
        self,
        settings: PersistedQuerySettings,
        cache: BaseCache,
        key_prefix: str,
        manifest: Manifest | None = None,
    ) -> None:
        self._mode = settings.mode
        self._ttl = settings.ttl_s or None
        self._cache = cache
        self._prefix = f"{key_prefix}:apq:"
        self._manifest = manifest or Manifest({}, frozenset())

    @classmethod
    def from_settings(
        cls, settings: PersistedQuerySettings, cache: BaseCache, key_prefix: str
    ) -> PersistedQueries:
        manifest = read_manifest(settings.manifest) if settings.manifest is not None else None
        return cls(settings, cache, key_prefix, manifest)

    async def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> Named:
        """The document to run, or PersistedQueryRefused saying why none will."""
        extension = (extensions or {}).get("persistedQuery")
        if self._mode is PersistedQueryMode.OFF and extension is not None:
            raise _refused(
                ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED, "PersistedQueryNotSupported", 200
            )
        if self._mode is PersistedQueryMode.TRUSTED:
            return Named(self._trusted(query, extension))
        if extension is None:
            return Named(query)
        return await self._automatic(query, _requested_hash(extension))

    def _trusted(self, query: str | None, extension: object) -> str | None:
        if extension is None:
            if query is None or query in self._manifest.bodies:
                return query
            raise _refused(
                ErrorCode.QUERY_NOT_IN_SAFELIST,
                "This gateway runs only its trusted documents; this is not one.",
            )
        listed = self._manifest.by_id.get(_requested_hash(extension))
        if listed is None:
            raise _refused(
                ErrorCode.PERSISTED_QUERY_NOT_IN_LIST, "No trusted document has this id."
            )
        if query is not None and query != listed:
            raise _refused(ErrorCode.BAD_REQUEST, "provided sha does not match query")
        return listed

    async def _automatic(self, query: str | None, sha: str) -> Named:
        listed = self._manifest.by_id.get(sha)
        if query is not None:
            if sha256_of(query) != sha:
                raise _refused(ErrorCode.BAD_REQUEST, "provided sha does not match query")
            return Named(query, register=None if listed is not None else sha)
        if listed is not None:
            return Named(listed)
        stored = await self._stored(sha)
        if stored is None:
            raise _refused(ErrorCode.PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound", 200)
        return Named(stored)

    async def ran(self, named: Named, errors: list[GraphQLError]) -> None:
        """Keep an automatic document for every replica once it has parsed and validated
        (as Apollo Server does); a backend failure only costs the client a resend."""
        if named.register is None or named.query is None or not document_accepted(errors):
            return
        try:
            # multi_set: aiocache's `set` with a TTL calls redis-py's deprecated SETEX
            await self._cache.multi_set(
                [(self._prefix + named.register, named.query)], ttl=self._ttl
            )
        except Exception as exc:
            log.warning("persisted query not stored: %s", type(exc).__name__)

    async def _stored(self, sha: str) -> str | None:
        if not SHA256.fullmatch(sha):
            return None  # no key is built from anything else
        try:
            [found] = await self._cache.multi_get([self._prefix + sha])
        except Exception as exc:  # answered as unknown: the client sends the text
            log.warning("persisted query lookup failed: %s", type(exc).__name__)
            return None
        return found if isinstance(found, str) else None
