"""Square emulator: Customers, Cards, Locations and SearchOrders in Square's wire format.

Follows Square's OpenAPI spec (2025-08-20) and shared/providers/square.md:
`Authorization: Bearer <access token>` on every call; an optional `Square-Version:
YYYY-MM-DD`, echoed on every answer (a malformed one is
`INVALID_SQUARE_VERSION_FORMAT`); errors in Square's envelope (`errors.py`), also for
malformed parameters, unknown routes and methods, and an emulator fault. What each
request may carry is in `bodies.py`, read by `shapes.py`; the routes are in
`customers.py` and `routes.py`, the seller account's state in `store.py`, how a write
applies and how lists match and page in `rules.py` and `orders.py`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence

from fastapi import FastAPI, Request, Response

from gateway.config import SandboxSettings
from sandboxes.kit import credential, emulator_app, local_path
from sandboxes.seed import Person
from sandboxes.square.errors import SquareApiError, envelope, unauthorized
from sandboxes.square.routes import routes
from sandboxes.square.store import SquareStore

DEMO_ACCESS_TOKEN = "sandbox-square-access-token"
DEFAULT_VERSION = "2025-08-20"
VERSION_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def literal_methods(app: FastAPI, path: str) -> frozenset[str]:
    """The methods of a literal route at exactly `path` (`/v2/customers/search`), if any.

    A literal path outranks a template (OpenAPI path matching): `GET
    /v2/customers/search` is a 405, not RetrieveCustomer of a customer named "search".
    """
    return frozenset(
        method
        for route in app.router.routes
        if getattr(route, "path", None) == path and "{" not in path
        for method in getattr(route, "methods", None) or ()
    )


def create_sandbox(people: Sequence[Person], settings: SandboxSettings) -> FastAPI:
    """The Square emulator app, seeded with `people`."""
    store = SquareStore(settings.seed)
    store.load(people)
    app = emulator_app("Square sandbox", store, envelope)

    @app.middleware("http")
    async def gate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """The bearer token, then a literal path's own methods, then `Square-Version`."""
        version = request.headers.get("square-version", DEFAULT_VERSION)
        if credential(request) != DEMO_ACCESS_TOKEN:
            response: Response = unauthorized().response()
        elif (allowed := literal_methods(app, local_path(request))) and (
            request.method not in allowed
        ):
            response = SquareApiError(
                405,
                "METHOD_NOT_ALLOWED",
                "Method not allowed.",
                headers={"Allow": ", ".join(sorted(allowed))},
            ).response()
        elif not VERSION_RE.fullmatch(version):
            version = DEFAULT_VERSION
            response = SquareApiError(
                400,
                "INVALID_SQUARE_VERSION_FORMAT",
                "Square-Version must be a date, YYYY-MM-DD.",
                "Square-Version",
            ).response()
        else:
            response = await call_next(request)
        response.headers["Square-Version"] = version
        return response

    @app.exception_handler(Exception)
    async def fault(_: Request, exc: Exception) -> Response:
        """An emulator bug still answers in Square's envelope (and is re-raised for the log)."""
        return SquareApiError(500, "INTERNAL_SERVER_ERROR", "Internal error.").response()

    routes(app, store)
    return app
