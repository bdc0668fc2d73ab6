"""The skeleton every adapter shares, once, so an adapter file holds only its provider's API.

Id paths, error envelopes, live-or-sandbox connections, per-customer fetches, cursors,
gateway-side idempotency and sparse bodies look alike in every provider; what differs (the error
mapper, the hosts, the page call) is passed in.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from gateway.codec import decode, encode
from gateway.contract import Connection, Operation, ProviderSettings, SandboxLink
from gateway.errors import (
    GatewayError,
    MalformedId,
    ProviderBadResponse,
    ProviderNotFound,
    UserErrorCode,
    UserInputError,
)
from gateway.http import UpstreamClient, json_body
from gateway.idempotency import IdempotencyStore
from gateway.model import Customer, ProviderName

T = TypeVar("T")
C = TypeVar("C")
ErrorMapper = Callable[[int, Any], GatewayError]
"""(status, decoded body) -> what the provider's error envelope means."""


def path(template: str, *ids: str) -> str:
    """`template` with each `{}` replaced by one id, percent-encoded as a single segment.

    The one way an id enters a URL: ids are values, never paths. `/`, `?`, `#`, `%`,
    control and non-ASCII characters are escaped, so an id cannot leave its segment,
    add a query or break the URL; a segment that is empty or all dots (which a URL
    resolves as a path step) is refused outright. The service has checked each id
    against the provider's `IdRules` already; this holds for ids that were not.
    """
    literals = template.split("{}")
    if len(literals) != len(ids) + 1:
        raise ValueError(f"{template!r} has {len(literals) - 1} slots for {len(ids)} ids")
    parts = [literals[0]]
    for value, literal in zip(ids, literals[1:], strict=True):
        if value.strip(".") == "":
            raise MalformedId("id")
        parts += [quote(value, safe=""), literal]
    return RoutePath("".join(parts), template)


class RoutePath(str):
    """A request path that remembers its template, so metrics label the route, not the ids.

    Joined with `+` (a host, a prefix, more segments), the template is joined alike.
    """

    template: str

    def __new__(cls, value: str, template: str) -> RoutePath:
        made = super().__new__(cls, value)
        made.template = template
        return made

    def __add__(self, other: str) -> RoutePath:
        return RoutePath(str(self) + other, self.template + getattr(other, "template", other))

    def __radd__(self, other: str) -> RoutePath:
        return RoutePath(other + str(self), other + self.template)


def checked(
    provider: ProviderName,
    response: httpx.Response,
    to_error: ErrorMapper,
    *,
    want_object: bool = False,
) -> Any:
    """The decoded body of a 2xx; a 4xx (input errors reach here) raises `to_error`'s error."""
    body = json_body(provider, response)
    if response.status_code >= 400:
        raise to_error(response.status_code, body)
    if want_object and not isinstance(body, dict):
        where = f"{response.request.method} {response.request.url.path}"
        raise ProviderBadResponse(provider, f"{where} answered no object")
    return body


def connect(
    provider: ProviderName,
    settings: ProviderSettings,
    sandbox: SandboxLink | None,
    live: Callable[[], Connection],
) -> Connection:
    """`live()` with credentials, else our sandbox; with neither the gateway cannot start."""
    if settings.is_live:
        return live()
    if sandbox is None:
        raise ValueError(f"{provider.name} has no credentials and no sandbox to use")
    return Connection("sandbox", sandbox.url_for(provider.value), sandbox.transport)


def live_at(settings: ProviderSettings, default_url: str, mode: str) -> Connection:
    """The provider's host as `mode`; a configured `base_url` is reported as `custom`."""
    if settings.base_url:
        return Connection("custom", settings.base_url)
    return Connection(mode, default_url)


def secret(value: SecretStr | None, sandbox_value: str) -> str:
    """The configured secret, else the demo credential the embedded sandbox accepts."""
    return value.get_secret_value() if value is not None else sandbox_value


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def upstream(
    provider: ProviderName,
    settings: ProviderSettings,
    conn: Connection,
    headers: Mapping[str, str] | None = None,
) -> UpstreamClient:
    """An account's one client: JSON, the configured deadline, in-flight bound, retry
    policy and answer size cap."""
    return UpstreamClient(
        provider,
        conn.base_url,
        timeout_s=settings.timeout_s,
        headers={**(headers or {}), "Accept": "application/json"},
        transport=conn.transport,
        max_in_flight=settings.max_in_flight,
        retry=settings.retry,
        max_response_bytes=settings.max_response_bytes,
    )


async def gather_all(awaitables: Iterable[Awaitable[T]]) -> list[T]:
    """Run concurrently; all finish before the first error (in order) is raised, so no
    call of a fan-out is still running when its caller hears of the failure."""
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [result for result in results if not isinstance(result, BaseException)]


async def per_key(keys: Sequence[str], fetch: Callable[[str], Awaitable[T]]) -> list[T]:
    """For APIs without a batch read: one `fetch` per distinct key, answers in key order.

    The calls run at once; the `UpstreamClient` bounds how many are in flight."""
    unique = list(dict.fromkeys(keys))
    found = dict(zip(unique, await gather_all(map(fetch, unique)), strict=True))
    return [found[key] for key in keys]


async def or_default(call: Awaitable[T], default: T) -> T:
    """`call`'s answer, or `default` where the provider has no such record."""
    try:
        return await call
    except ProviderNotFound:
        return default


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """`items` in slices of at most `size`: a batch endpoint's limit."""
    return [items[i : i + size] for i in range(0, len(items), size)]


async def follow(page: Callable[[C], Awaitable[tuple[Sequence[T], C | None]]], start: C) -> list[T]:
    """Every item of a listing: `page(cursor)` answers items and the next cursor (None: done)."""
    found, cursor = await page(start)
    items = list(found)
    while cursor is not None:
        found, cursor = await page(cursor)
        items += found
    return items


def after_last(ids: Sequence[str], more: bool) -> str | None:
    """A `starting_after` cursor: the last id of a page that says there is more."""
    return ids[-1] if more and ids else None


async def create_once(
    store: IdempotencyStore,
    provider: ProviderName,
    key: str | None,
    create: Callable[[], Awaitable[Customer]],
    reread: Callable[[str], Awaitable[Customer]],
) -> Customer:
    """`create()` once per idempotency key, for providers that keep none; a repeat
    answers the customer as it is now, read by the id the first call made."""
    if key is None:
        return await create()
    created: list[Customer] = []

    async def first() -> str:
        created.append(await create())
        return created[0].provider_id

    customer_id, _ = await store.run(provider, key, first)
    return created[0] if created else await reread(customer_id)


async def write_once(
    store: IdempotencyStore,
    provider: ProviderName,
    key: str | None,
    *,
    request: tuple[Operation, Sequence[object]],
    write: Callable[[], Awaitable[T]],
    result: type[T],
) -> T:
    """`write()` once per idempotency key, for providers that keep none; a repeat
    answers the first write's result without writing again.

    `request` is the operation and what identifies its input: a key reused for another
    request is CONFLICT at `input.idempotencyKey`, as Square answers natively, instead
    of the first request's result passing for this one's. Keys are per operation, so a
    create's key never answers an attach. A write that fails stores nothing.
    """
    if key is None:
        return await write()
    operation, values = request
    fingerprint = hashlib.sha256(json.dumps([operation.value, *values]).encode()).hexdigest()

    async def first() -> str:
        return json.dumps({"request": fingerprint, "result": encode(await write())})

    stored, _ = await store.run(provider, f"{operation.value}:{key}", first)
    seen = json.loads(stored)
    if seen.get("request") != fingerprint:
        raise UserInputError(
            UserErrorCode.CONFLICT,
            "This idempotency key was used for a different request.",
            ("input", "idempotencyKey"),
        )
    return decode(result, seen["result"])


def given(
    fields: Mapping[str, Any], names: Mapping[str, str], *, skip_none: bool = False
) -> dict[str, Any]:
    """A sparse body: each field present in `fields`, under its native name.

    A present None is the contract's "clear" and is kept, unless `skip_none` (a create)."""
    return {
        native: fields[name]
        for name, native in names.items()
        if name in fields and not (skip_none and fields[name] is None)
    }


def touches(fields: Mapping[str, Any], names: Iterable[str]) -> bool:
    """Whether a patch gives any of `names`: a write that needs the current record."""
    return any(name in fields for name in names)


def attrs(obj: object, names: Mapping[str, str]) -> dict[str, Any]:
    """The set attributes of `obj` under native names: a whole address, unset ones absent."""
    values = {native: getattr(obj, name) for name, native in names.items()}
    return {native: value for native, value in values.items() if value is not None}
