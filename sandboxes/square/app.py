"""Square emulator: Customers, Cards, Locations and SearchOrders in Square's wire format.

Follows shared/providers/square.md and its rulings: `Authorization: Bearer
<access token>` on every call; errors in Square's envelope (`errors.py`), also for
malformed parameters and unknown routes; the routes in `routes.py`, the seller
account's state in `store.py`, what a write may carry and how lists page in
`rules.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from fastapi import FastAPI, Request, Response

from gateway.config import SandboxSettings
from sandboxes.kit import credential, emulator_app
from sandboxes.seed import Person
from sandboxes.square.errors import envelope, unauthorized
from sandboxes.square.routes import routes
from sandboxes.square.store import SquareStore

DEMO_ACCESS_TOKEN = "sandbox-square-access-token"


def create_sandbox(people: Sequence[Person], settings: SandboxSettings) -> FastAPI:
    """The Square emulator app, seeded with `people`."""
    store = SquareStore(settings.seed)
    store.load(people)
    app = emulator_app("Square sandbox", store, envelope)

    @app.middleware("http")
    async def require_bearer(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if credential(request) != DEMO_ACCESS_TOKEN:
            return unauthorized().response()
        return await call_next(request)

    routes(app, store)
    return app
