"""Clover emulator: Platform REST API v3 and Ecommerce API v1 in one app.

Real Clover serves them from two hosts; the sandbox serves both under one mount,
v3 under `/v3/...` and Ecommerce under `/v1/...`, over the same records (see
`sandbox_store`). Both need `Authorization: Bearer <token>` and answer 401 in
their own envelope without it: v3 `{"message", "details"}`, Ecommerce
`{"error": {type, code, message, param}}`. The documented per-token limits are
enforced by default (`SandboxSettings.clover_rate_limit_per_s`, 16 requests in
any second, and `clover_max_in_flight`, 5 at once): beyond them the answer is 429
with `retry-after` and the `X-RateLimit-*` header naming the limit hit.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.config import SandboxSettings
from gateway.providers.clover.throttle import SlidingWindow
from sandboxes.clover.ecommerce import ecommerce_routes
from sandboxes.clover.platform import platform_routes
from sandboxes.clover.store import CloverStore, EcommerceError, PlatformError
from sandboxes.seed import Person

DEMO_ACCESS_TOKEN = "sandbox-clover-access-token"
DEMO_MERCHANT_ID = "SBXMERCHANT01"
ECOMMERCE_PATH = re.compile(r"/v1(/|$)")
ECOMMERCE_TYPES = {401: "authentication_error", 429: "rate_limit_error"}


class TokenLimiter:
    """Clover's per-token limits: requests per second and requests in flight."""

    def __init__(self, rate: int, max_in_flight: int) -> None:
        self.rate = rate
        self.max_in_flight = max_in_flight
        self._windows: dict[str, SlidingWindow] = {}
        self._in_flight: Counter[str] = Counter()

    def enter(self, token: str) -> tuple[str, int, float] | None:
        """None when admitted (call `leave` after); else (header, limit, seconds to wait)."""
        if self._in_flight[token] >= self.max_in_flight:
            return "X-RateLimit-tokenConcurrentLimit", self.max_in_flight, 1.0
        window = self._windows.setdefault(token, SlidingWindow(self.rate))
        wait = window.admit(time.monotonic())
        if wait > 0:
            return "X-RateLimit-tokenLimit", self.rate, wait
        self._in_flight[token] += 1
        return None

    def leave(self, token: str) -> None:
        self._in_flight[token] -= 1


def _is_ecommerce(request: Request) -> bool:
    return ECOMMERCE_PATH.search(request.url.path) is not None and "/v3/" not in request.url.path


def _error(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An error in the envelope of the API the request was for."""
    body: dict[str, Any]
    if _is_ecommerce(request):
        error_type = ECOMMERCE_TYPES.get(status, "invalid_request_error")
        code = {401: "unauthorized", 404: "resource_missing", 429: "rate_limit"}.get(
            status, "invalid_request_error"
        )
        body = {"error": {"type": error_type, "code": code, "message": message}}
    else:
        body = {"message": message}
    return JSONResponse(body, status_code=status, headers=headers)


def create_sandbox(people: Sequence[Person], settings: SandboxSettings) -> FastAPI:
    """The Clover emulator app, seeded with `people`."""
    store = CloverStore(settings.seed, DEMO_MERCHANT_ID)
    store.load(people)
    limiter = TokenLimiter(settings.clover_rate_limit_per_s, settings.clover_max_in_flight)
    app = FastAPI(title="Clover sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.state.limiter = limiter

    @app.exception_handler(PlatformError)
    async def platform_error(_: Request, exc: PlatformError) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status)

    @app.exception_handler(EcommerceError)
    async def ecommerce_error(_: Request, exc: EcommerceError) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = {404: "Not Found", 405: "405 Method Not Allowed"}.get(exc.status_code)
        return _error(request, exc.status_code, message or str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, _: RequestValidationError) -> JSONResponse:
        return _error(request, 400, "Invalid request")

    @app.middleware("http")
    async def authorize_and_limit(request: Request, call_next: Any) -> Any:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ")
        if not header.startswith("Bearer ") or token != DEMO_ACCESS_TOKEN:
            return _error(request, 401, "401 Unauthorized")
        refused = limiter.enter(token)
        if refused is not None:
            name, limit, wait = refused
            headers = {"retry-after": str(max(1, math.ceil(wait))), name: str(limit)}
            return _error(request, 429, "Too Many Requests", headers)
        try:
            return await call_next(request)
        finally:
            limiter.leave(token)

    platform_routes(app, store)
    ecommerce_routes(app, store)
    return app
