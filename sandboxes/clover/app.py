"""Clover emulator: Platform REST API v3 and Ecommerce API v1 in one app.

Real Clover serves them from two hosts; the sandbox serves both under one mount,
v3 under `/v3/...` (`routes_platform.py`) and Ecommerce under `/v1/...`
(`routes_ecommerce.py`, `routes_payments.py`), over the same records (`store.py`). Both need
`Authorization: Bearer <token>` and answer 401 in their own envelope without it
(`errors.py`); v3 also takes the sandbox-only `?access_token=`. The documented
per-token limits are enforced by default (`SandboxSettings.clover_rate_limit_per_s`,
16 requests in any second, and `clover_max_in_flight`, 5 at once; `limits.py`):
beyond them the answer is 429 with `retry-after` and the `X-RateLimit-*` header
naming the limit hit. The tokenizer's
`POST /v1/tokens` (Clover's token host) takes the `apikey` header instead: the
merchant's PAKMS key, which `GET /pakms/apikey` gives (`routes_payments.py`).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence

from fastapi import FastAPI, Request, Response

from gateway.config import SandboxSettings
from sandboxes.clover import routes_ecommerce, routes_payments, routes_platform
from sandboxes.clover.errors import api_error, envelope, is_ecommerce
from sandboxes.clover.idempotency import IdempotencyKeys
from sandboxes.clover.limits import TokenLimits
from sandboxes.clover.routes_payments import DEMO_PAKMS_KEY
from sandboxes.clover.store import CloverStore
from sandboxes.kit import credential, emulator_app, local_path
from sandboxes.seed import Person

__all__ = ["DEMO_ACCESS_TOKEN", "DEMO_MERCHANT_ID", "DEMO_PAKMS_KEY", "create_sandbox"]

DEMO_ACCESS_TOKEN = "sandbox-clover-access-token"
DEMO_MERCHANT_ID = "SBXMERCHANT01"


def create_sandbox(people: Sequence[Person], settings: SandboxSettings) -> FastAPI:
    """The Clover emulator app, seeded with `people`."""
    store = CloverStore(settings.seed, DEMO_MERCHANT_ID)
    store.load(people)
    limits = TokenLimits(settings.clover_rate_limit_per_s, settings.clover_max_in_flight)
    app = emulator_app("Clover sandbox", store, envelope)
    app.state.limits = limits

    @app.middleware("http")
    async def authorize_and_limit(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if local_path(request) == "/v1/tokens":
            if request.headers.get("apikey") != DEMO_PAKMS_KEY:
                return api_error(request, 401).response()
            return await call_next(request)
        token = credential(request)
        if token is None and not is_ecommerce(request):
            token = request.query_params.get("access_token")  # v3, sandbox only (clover.md §1)
        if token != DEMO_ACCESS_TOKEN:
            return api_error(request, 401).response()
        refused = limits.admit(token, time.monotonic())
        if refused is not None:
            return api_error(request, 429, refused.headers()).response()
        try:
            return await call_next(request)
        finally:
            limits.done(token)

    keys = IdempotencyKeys()
    routes_platform.routes(app, store)
    routes_ecommerce.routes(app, store, keys)
    routes_payments.routes(app, store, keys)
    return app
