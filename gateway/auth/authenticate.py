"""Headers -> `Principal`, once per request, before Strawberry sees it; or HTTP 401.

`AuthMiddleware` guards `/graphql` (and `/metrics` when `metrics_require_auth`). A
credential is `X-API-Key: <key>` or `Authorization: Bearer <key or JWT>` (one of
them: both at once is refused, rather than guessing which one counts). A bearer
value shaped like a JWT (three dot-separated parts; generated keys never hold a dot)
goes to the JWT verifier, anything else is looked up as an API key.

Where authentication is not required (demo mode unless `AUTH__REQUIRED` says
otherwise) a request without credentials is `ANONYMOUS_DEMO`; a request *with* a
credential is checked all the same, so a wrong key is never quietly anonymous.

The refusal is a GraphQL-shaped body with `extensions.code = UNAUTHENTICATED`,
status 401 and `WWW-Authenticate: Bearer`, written here: nothing behind this
middleware runs, so no upstream call is made. The browser's GraphiQL page (a GET
that asks for HTML and carries no query) is let through: it holds no data, and what
it then asks goes through `/graphql` like any other request (introspection needs
`schema:read`, see `schema.permissions`).
"""

from __future__ import annotations

import json
import logging

import httpx
from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.auth import shopper_tokens
from gateway.auth.api_keys import ApiKeys
from gateway.auth.principal import ANONYMOUS_DEMO, Principal, PrincipalKind
from gateway.auth.tokens import TokenVerifier
from gateway.config import AuthSettings, GatewayMode
from gateway.errors import ErrorCode, Unauthenticated

log = logging.getLogger("gateway.auth")

STATE_KEY = "principal"
"""Where the principal waits in the ASGI scope's `state` (`request.state.principal`)."""

GRAPHQL_PATH = "/graphql"

NOBODY = Principal(PrincipalKind.ANONYMOUS, "anonymous", frozenset())
"""What the GraphiQL page is served to when no credential came: it may do nothing."""


def principal_of(state: dict[str, object] | None) -> Principal:
    """The principal `AuthMiddleware` left in a request's state; NOBODY if it did not run."""
    found = (state or {}).get(STATE_KEY)
    return found if isinstance(found, Principal) else NOBODY


def required(settings: AuthSettings, mode: GatewayMode) -> bool:
    return settings.required if settings.required is not None else mode is GatewayMode.PRODUCTION


class Authenticator:
    """The gateway's credentials: configured API keys and, with a JWKS, merchant JWTs."""

    def __init__(self, settings: AuthSettings, mode: GatewayMode) -> None:
        self.required = required(settings, mode)
        self._keys = ApiKeys(settings.api_keys)
        self._client = httpx.AsyncClient(follow_redirects=False)
        self.tokens = TokenVerifier(settings, self._client) if settings.jwks_url else None
        key = settings.signing_key
        self._signing_key = key.get_secret_value() if key is not None else None

    async def principal(self, headers: Headers) -> Principal:
        """Who sent these headers; `Unauthenticated` when they hold no valid credential."""
        api_key = headers.get("x-api-key")
        authorization = headers.get("authorization")
        if api_key is not None and authorization is not None:
            raise Unauthenticated("both X-API-Key and Authorization sent")
        if api_key is not None:
            return self._api_key(api_key)
        if authorization is None:
            if self.required:
                raise Unauthenticated("no credentials")
            return ANONYMOUS_DEMO
        scheme, _, value = authorization.partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or not value:
            raise Unauthenticated("authorization is not a bearer credential")
        if value.count(".") == 2:
            return await self._token(value)
        return self._api_key(value)

    def _api_key(self, key: str) -> Principal:
        principal = self._keys.principal(key)
        if principal is None:
            raise Unauthenticated("unknown API key")
        return principal

    async def _token(self, token: str) -> Principal:
        if self._signing_key is not None and shopper_tokens.is_gateway_token(token):
            return shopper_tokens.verify(self._signing_key, token)
        if self.tokens is None:
            raise Unauthenticated("JWT sent, but no AUTH__JWKS_URL is configured")
        return await self.tokens.principal(token)

    async def aclose(self) -> None:
        await self._client.aclose()


def _is_graphiql_page(scope: Scope, headers: Headers) -> bool:
    accept = headers.get("accept", "")
    return (
        scope["path"].rstrip("/") == GRAPHQL_PATH
        and scope["method"] == "GET"
        and "query" not in QueryParams(scope.get("query_string", b""))
        and ("text/html" in accept or "*/*" in accept)
    )


def refusal_body(error: Unauthenticated) -> bytes:
    body = {
        "data": None,
        "errors": [
            {"message": error.safe_message, "extensions": {"code": ErrorCode.UNAUTHENTICATED.value}}
        ],
    }
    return json.dumps(body).encode()


class AuthMiddleware:
    """ASGI middleware: authenticates the guarded paths, or answers 401 itself."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator, paths: frozenset[str]) -> None:
        self.app = app
        self._authenticator = authenticator
        self._paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") not in self._paths:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            principal = await self._authenticator.principal(headers)
        except Unauthenticated as error:
            if not _is_graphiql_page(scope, headers):
                log.info("request refused: code=UNAUTHENTICATED reason=%s", error.reason)
                await _refuse(send, error, bearer_given="authorization" in headers)
                return
            principal = NOBODY
        scope.setdefault("state", {})[STATE_KEY] = principal
        await self.app(scope, receive, send)


async def _refuse(send: Send, error: Unauthenticated, *, bearer_given: bool) -> None:
    body = refusal_body(error)
    challenge = b'Bearer error="invalid_token"' if bearer_given else b"Bearer"
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", challenge),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
