"""Digital River emulator: Customers, Sources, Tax identifiers and Orders, in its wire format.

Follows shared/providers/digitalriver.md and its rulings. Every route wants
`Authorization: Bearer <secret key>` (or Basic `key:`); `POST /sources` also takes
the public key, with which DigitalRiver.js creates card sources in the browser (with
the secret key it creates secondary sources, as the OpenAPI document gives it); every
answer carries an `x-dr-requestid`. Errors use Digital River's envelope (`errors.py`), also
for malformed requests and unknown routes; the routes are in `routes.py`, what a
write may carry in `rules.py`, the account's state in `store.py`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence

from fastapi import FastAPI, Request, Response

from gateway.config import SandboxSettings
from sandboxes.digitalriver.errors import ApiError, envelope
from sandboxes.digitalriver.routes import routes
from sandboxes.digitalriver.store import TEST_SOURCE_IDS, DigitalRiverStore
from sandboxes.kit import credential, emulator_app, local_path
from sandboxes.seed import Person

__all__ = ["DEMO_PUBLIC_KEY", "DEMO_SECRET_KEY", "TEST_SOURCE_IDS", "create_sandbox"]

DEMO_SECRET_KEY = "sk_test_sandbox-digitalriver-secret"
DEMO_PUBLIC_KEY = "pk_test_sandbox-digitalriver-public"


def create_sandbox(people: Sequence[Person], settings: SandboxSettings) -> FastAPI:
    """The Digital River emulator app, seeded with `people`."""
    store = DigitalRiverStore(settings.seed)
    store.load(people)
    app = emulator_app("Digital River sandbox", store, envelope)

    @app.middleware("http")
    async def authenticate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        minting = request.method == "POST" and local_path(request) == "/sources"
        key = credential(request, basic=True)
        request.state.public_key = minting and key == DEMO_PUBLIC_KEY
        if key != DEMO_SECRET_KEY and not request.state.public_key:
            response: Response = ApiError(
                401, None, "An authorization error has occurred."
            ).response()
        else:
            response = await call_next(request)
        response.headers["x-dr-requestid"] = str(uuid.uuid4())
        return response

    routes(app, store)
    return app
