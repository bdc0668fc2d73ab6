"""What every emulator shares: the app skeleton, never the provider's rules.

A client under test must only ever see its provider's own wire format, so each
emulator raises one `EmulatorError` subclass per error envelope and hands the kit an
`Envelope` for the errors FastAPI and Starlette raise themselves (malformed
parameters, unknown routes, wrong methods): no `{"detail": ...}` ever leaks. The
rest is plumbing each provider once wrote out by hand: the bearer credential,
a JSON body, an opaque cursor, a bounded integer parameter, marker paging.
"""

from __future__ import annotations

import base64
import json
from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match


class EmulatorError(Exception, metaclass=ABCMeta):
    """An answer in a provider's error envelope, raised from anywhere in a route."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers

    @abstractmethod
    def body(self) -> dict[str, Any]:
        """The provider's JSON error body."""

    def response(self) -> JSONResponse:
        """Also for middleware, whose exceptions never reach the app's handlers."""
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


Envelope = Callable[[Request, int, str | None], EmulatorError]
"""(request, status, offending field or None) -> the provider's error for it."""
BodyProblem = Literal["not_json", "not_object"]


def emulator_app(title: str, store: object, envelope: Envelope) -> FastAPI:
    """An app without docs (real providers serve none) whose every error is the provider's."""
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store

    @app.exception_handler(EmulatorError)
    async def own_error(_: Request, exc: EmulatorError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        location = first.get("loc") or ("",)
        return envelope(request, 400, str(location[-1]) or None).response()

    @app.exception_handler(StarletteHTTPException)
    async def routing_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = envelope(request, exc.status_code, None).response()
        if exc.status_code == 405:
            response.headers["Allow"] = allowed_methods(request)
        return response

    return app


def allowed_methods(request: Request) -> str:
    """A 405's `Allow` (RFC 9110): every method of the path template that routing chose
    (the first that matches, so `/customers/search` is not `/customers/{id}`), where
    Starlette names only the first route's."""
    routes = [r for r in request.app.router.routes if r.matches(request.scope)[0] is not Match.NONE]
    template = getattr(routes[0], "path", None) if routes else None
    methods = {
        method
        for route in routes
        if getattr(route, "path", None) == template
        for method in getattr(route, "methods", None) or ()
    }
    return ", ".join(sorted(methods))


def local_path(request: Request) -> str:
    """The path inside the emulator, wherever it is mounted (`/sandbox/<provider>`)."""
    return str(request.scope["path"]).removeprefix(request.scope.get("root_path", ""))


def credential(request: Request, *, basic: bool = False) -> str | None:
    """The token of `Authorization: Bearer <token>` (any case), or Basic's user if allowed."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if basic and scheme.lower() == "basic":
        try:
            user = base64.b64decode(value).decode().partition(":")[0]
        except ValueError:  # also binascii.Error and UnicodeDecodeError
            return None
        return user or None
    return None


async def json_object(
    request: Request, refuse: Callable[[BodyProblem], EmulatorError], *, required: bool
) -> dict[str, Any]:
    """The body as a JSON object; an empty body is `{}` unless `required`."""
    raw = await request.body()
    if not raw:
        if required:
            raise refuse("not_object")
        return {}
    try:
        body = json.loads(raw, parse_constant=_not_a_json_constant)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting deeper than Python's
        raise refuse("not_json") from exc
    if not _encodable(body):
        raise refuse("not_json")
    if not isinstance(body, dict):
        raise refuse("not_object")
    return body


def _not_a_json_constant(name: str) -> Any:
    """`NaN` and `Infinity` are Python's extension, not JSON (RFC 8259), and cannot be answered."""
    raise ValueError(f"{name} is not JSON")


def _encodable(value: Any) -> bool:
    """No lone surrogate (`"\\ud800"`) anywhere: it has no UTF-8 form to store or echo back."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode()
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def encode_state(state: Mapping[str, Any]) -> str:
    """Compact JSON in unpadded URL-safe base64: opaque cursors, JWT segments."""
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_state(token: str) -> dict[str, Any] | None:
    """What `encode_state` made, or None for anything else."""
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError):
        return None
    return state if isinstance(state, dict) else None


def int_param(
    params: Mapping[str, str],
    name: str,
    default: int,
    bounds: tuple[int, int],
    refuse: Callable[[str, int, int], EmulatorError],
) -> int:
    """An integer query parameter within `bounds`; `refuse(name, low, high)` otherwise."""
    low, high = bounds
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise refuse(name, low, high) from exc
    if not low <= value <= high:
        raise refuse(name, low, high)
    return value


def marker_page(
    rows: Sequence[dict[str, Any]],
    limit: int,
    *,
    after: str | None,
    before: str | None,
    unknown: Callable[[Literal["after", "before"], str], EmulatorError],
) -> tuple[list[dict[str, Any]], bool]:
    """`limit` rows after the `after` id, or else before the `before` id; and whether more."""
    ids = [row["id"] for row in rows]
    side: Literal["after", "before"] = "after" if after is not None else "before"
    marker = after if after is not None else before
    if marker is None:
        return list(rows[:limit]), len(rows) > limit
    if marker not in ids:
        raise unknown(side, marker)
    at = ids.index(marker)
    if side == "after":
        rest = rows[at + 1 :]
        return list(rest[:limit]), len(rest) > limit
    start = max(0, at - limit)
    return list(rows[start:at]), start > 0
