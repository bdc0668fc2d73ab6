"""Elastic Path emulator: OAuth tokens, Customers, customer tokens, addresses, orders.

Follows shared/providers/elasticpath.md and its rulings, strictly. Every `/v2` call
needs `Authorization: Bearer <token>` from `POST /oauth/access_token`: missing,
unknown or expired (`TOKEN_LIFETIME_S`, 3600 s) is 401 `Unable to validate access
token`, and a bad `X-Moltin-Customer-Token` is 401 too; both are resolved here,
before routing, for the routes (`routes.py`) to decide what the token may reach.
Errors are Elastic Path's envelope (`errors.py`), its `status` a string on the paths a
published OpenAPI spec covers (`SPEC_PATHS`: OAuth, customer addresses, orders). The
store, its credentials and renderings are in `store.py`, write rules in `rules.py`,
the filter language in `filters.py`. Seeded customers with an even key have the
password `SEEDED_PASSWORD`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence

from fastapi import FastAPI, Request, Response

from gateway.config import SandboxSettings
from sandboxes.elasticpath.errors import TEXT_STATUS, ApiError, envelope
from sandboxes.elasticpath.routes import routes
from sandboxes.elasticpath.store import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    SEEDED_PASSWORD,
    ElasticPathStore,
)
from sandboxes.kit import credential, emulator_app, local_path
from sandboxes.seed import Person

__all__ = ["DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET", "SEEDED_PASSWORD", "create_sandbox"]

CUSTOMER_TOKEN_HEADER = "x-moltin-customer-token"
SPEC_PATHS = re.compile(r"^/(oauth/|v2/orders(/|$)|v2/customers/[^/]+/addresses(/|$))")


def create_sandbox(people: Sequence[Person], settings: SandboxSettings) -> FastAPI:
    """The Elastic Path emulator app, seeded with `people`."""
    store = ElasticPathStore(settings.seed)
    store.load(people)
    app = emulator_app("Elastic Path sandbox", store, envelope)

    @app.middleware("http")
    async def authenticate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """Resolve the Bearer and customer tokens of every `/v2` call before routing."""
        path = local_path(request)
        text_status = TEXT_STATUS.set(SPEC_PATHS.match(path) is not None)
        try:
            if path.startswith("/v2/"):
                request.state.grant = store.grant_of(credential(request))
                token = request.headers.get(CUSTOMER_TOKEN_HEADER)
                request.state.shopper = store.shopper_of(token) if token else None
            return await call_next(request)
        except ApiError as exc:
            return exc.response()
        finally:
            TEXT_STATUS.reset(text_status)

    routes(app, store)
    return app
