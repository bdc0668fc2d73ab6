"""The FastAPI app: `/graphql` (GraphiQL in a browser), `/healthz`, `/readyz`, sandboxes.

`create_app(settings)` builds everything from settings. Providers without
credentials use the sandboxes: mounted in this app under `/sandbox/` (reached over
loopback HTTP when `self_url` says where this server listens, else through an
in-process ASGI transport), or the ones at `SANDBOX_URL`.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response

from gateway import graphiql
from gateway.auth import rate_limits
from gateway.auth.authenticate import Authenticator, AuthMiddleware, principal_of
from gateway.auth.rate_limits import ClientLimiter
from gateway.cache import close_cache, create_cache
from gateway.config import ExecutionMode, Settings
from gateway.contract import CustomerProvider, SandboxLink
from gateway.logs import configure_logging, install_redactions, log_format
from gateway.metrics import CONTENT_TYPE, GatewayMetrics, worker_stopped
from gateway.middleware.cached import CachedProvider
from gateway.middleware.traced import TracedProvider
from gateway.persisted import PersistedQueries
from gateway.readiness import Readiness
from gateway.registry import Registry, build_registry, needs_sandbox
from gateway.request_id import RequestIdMiddleware
from gateway.request_limits import RequestLimits
from gateway.router import GatewayRouter
from gateway.sandbox_link import SandboxTransport
from gateway.shutdown import close_all
from gateway.startup import check_startup, load_settings, warn_demo
from gateway.tracing import configure_from_env, tracer
from schema.context import GatewayContext, build_context
from schema.schema import compiled_schema, schema

log = logging.getLogger("gateway")

IN_PROCESS_SANDBOX = "http://sandbox.local"


def _sandbox_link(settings: Settings, app: FastAPI, self_url: str | None) -> SandboxLink | None:
    """The emulators, in demo mode only; production settings without credentials stop here."""
    check_startup(settings)
    if not needs_sandbox(settings):
        return None
    if settings.sandbox_url:
        link = SandboxLink(settings.sandbox_url.rstrip("/") + "/sandbox")
        warn_demo(settings, link.base_url + "/")
        return link
    from sandboxes.app import create_sandbox_app  # the emulators load only when used

    sandboxes = create_sandbox_app(settings.sandbox)
    app.mount("/sandbox", sandboxes)
    app.state.sandbox = sandboxes
    warn_demo(settings, (self_url or "").rstrip("/") + "/sandbox/")
    if self_url:
        return SandboxLink(self_url.rstrip("/") + "/sandbox")
    return SandboxLink(IN_PROCESS_SANDBOX, SandboxTransport(sandboxes))


def create_app(settings: Settings | None = None, *, self_url: str | None = None) -> FastAPI:
    settings = settings or Settings()
    cache = create_cache(settings.cache)
    registry_holder: list[Registry] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            await app.state.readiness.start()
            yield
        finally:  # also when the server stops on an error: sockets to Redis, providers
            await close_all(
                ("readiness checks", app.state.readiness.stop),
                ("provider clients", registry_holder[0].aclose),
                ("JWKS client", app.state.authenticator.aclose),
                ("cache", lambda: close_cache(cache)),
            )
            worker_stopped()

    app = FastAPI(title="customer-gateway", lifespan=lifespan, docs_url=None, redoc_url=None)
    link = _sandbox_link(settings, app, self_url)
    registry = build_registry(settings, link, cache)
    metrics = GatewayMetrics()
    for name in registry:
        if registry.circuit(name) is not None:  # closed from the start: charted before trouble
            metrics.circuit_state.labels(name.value).set(0)
    if settings.cache.enabled:

        def cached(provider: CustomerProvider) -> CustomerProvider:
            namespace = registry.namespace(provider.name)
            return CachedProvider(provider, cache, namespace, settings.cache, metrics.cache)

        registry.replace(cached)
    if (traces := tracer()) is not None:  # outermost: a cache answer is a span too
        registry.replace(lambda provider: TracedProvider(provider, traces))
    registry_holder.append(registry)
    app.state.registry = registry
    app.state.settings = settings

    authenticator = Authenticator(settings.auth, settings.mode)
    app.state.authenticator = authenticator

    async def context_getter(request: Request) -> GatewayContext:
        return build_context(settings, registry, principal_of(request.scope.get("state")))

    app.include_router(
        GatewayRouter(
            compiled_schema if settings.execution.mode is ExecutionMode.COMPILED else schema,
            settings.limits,
            ClientLimiter(settings) if rate_limits.enabled(settings) else None,
            metrics,
            persisted=PersistedQueries.from_settings(
                settings.persisted_queries, cache, settings.cache.key_prefix
            ),
            context_getter=context_getter,
            graphql_ide="graphiql" if settings.auth.graphiql else None,
            subscription_protocols=(),  # no subscriptions: no socket that skips AuthMiddleware
        ),
        prefix="/graphql",
    )
    app.mount(graphiql.ASSETS_URL.rstrip("/"), graphiql.assets(), name="graphiql")
    install_redactions()
    # the last added runs first
    app.add_middleware(RequestLimits, limits=settings.limits, refused=metrics.rejected)
    guarded = {"/graphql", "/metrics"} if settings.auth.metrics_require_auth else {"/graphql"}
    app.add_middleware(AuthMiddleware, authenticator=authenticator, paths=frozenset(guarded))
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["content-type", "authorization", "x-api-key", "x-request-id"],
            expose_headers=["x-request-id"],
        )
    app.add_middleware(RequestIdMiddleware)

    @app.get("/metrics", include_in_schema=False)
    async def metrics_text() -> Response:
        """Every metric of `gateway.metrics`, in the Prometheus text format."""
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    readiness = Readiness(
        registry, cache, settings.cache.url is not None, settings.readiness_interval_s
    )
    app.state.readiness = readiness

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """503 naming the cause when this replica cannot serve (see `gateway.readiness`)."""
        ready, body = await readiness.report()
        return JSONResponse(body, status_code=200 if ready else 503)

    return app


def app_from_env() -> FastAPI:
    """The uvicorn factory for `serve` (run in each worker): settings from the environment.

    `serve` has checked them already; run directly, uvicorn shows the same one line.
    """
    settings = load_settings()
    configure_logging(settings.log_level, log_format(settings))
    configure_from_env()
    app = create_app(settings, self_url=os.environ.get("GATEWAY_SELF_URL"))
    # What is built by now (modules, the schema, the app) lives as long as the process:
    # left to the collector, each collection of a request's garbage rescanned it, about
    # a tenth of a warm page's time (issue 16).
    gc.freeze()
    return app
