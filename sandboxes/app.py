"""The sandbox server: every provider emulator under `/sandbox/<provider>/`.

Each provider app is wrapped so that every request it receives is counted by route
template and passes through fault injection first. `/sandbox/_stats` and
`/sandbox/<provider>/_faults` are the control surface tests and benchmarks use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fastapi import FastAPI
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from gateway.config import FaultSettings, SandboxSettings
from gateway.model import ProviderName
from sandboxes.counters import RequestCounters
from sandboxes.fault_answers import inject
from sandboxes.faults import FaultInjector
from sandboxes.seed import Person, for_provider, people

SandboxFactory = Callable[[Sequence[Person], SandboxSettings], FastAPI]


class InstrumentedSandbox:
    """ASGI wrapper: count the request by route template, then inject faults."""

    def __init__(
        self, slug: str, app: FastAPI, counters: RequestCounters, faults: FaultInjector
    ) -> None:
        self.slug = slug
        self.app = app
        self.counters = counters
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        template = self._template(scope)
        self.counters.count(self.slug, scope["method"], template)
        fault = await self.faults.apply(self.slug, scope["method"], template)
        if fault is None:
            await self.app(scope, receive, send)
        else:
            await inject(fault, self.app, scope, receive, send)

    def _template(self, scope: Scope) -> str:
        for route in self.app.router.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return str(getattr(route, "path", "?"))
        return "(unmatched)"


def sandbox_factories() -> dict[ProviderName, SandboxFactory]:
    """Every registered provider's emulator, imported only now (the spec names it)."""
    from gateway.contract import load
    from gateway.providers import SPECS

    return {spec.name: load(spec.emulator) for spec in SPECS}


def create_sandbox_app(settings: SandboxSettings) -> FastAPI:
    """One app serving every provider sandbox, seeded, with stats and faults."""
    app = FastAPI(title="customer-gateway sandboxes", docs_url=None, redoc_url=None)
    counters = RequestCounters()
    faults = FaultInjector(settings.seed)
    population = people(settings.seed, settings.people)
    slugs = []
    for provider, factory in sandbox_factories().items():
        slug = provider.value
        slugs.append(slug)
        emulator = factory(for_provider(population, provider), settings)
        if slug in settings.faults:
            faults.set(slug, settings.faults[slug])

        @app.put(f"/{slug}/_faults", name=f"{slug}_set_faults")
        async def set_faults(body: FaultSettings, slug: str = slug) -> FaultSettings:
            faults.set(slug, body)
            return body

        @app.get(f"/{slug}/_faults", name=f"{slug}_get_faults")
        async def get_faults(slug: str = slug) -> FaultSettings:
            return faults.get(slug)

        @app.delete(f"/{slug}/_faults", name=f"{slug}_clear_faults", status_code=204)
        async def clear_faults(slug: str = slug) -> None:
            faults.clear(slug)

        app.mount(f"/{slug}", InstrumentedSandbox(slug, emulator, counters, faults))

    @app.get("/_stats")
    async def stats() -> dict[str, dict[str, object]]:
        snapshot = counters.snapshot()
        return {slug: snapshot.get(slug, {"total": 0, "routes": {}}) for slug in slugs}

    @app.post("/_stats/reset", status_code=204)
    async def reset_stats() -> None:
        counters.reset()

    @app.get("/_providers")
    async def providers() -> list[str]:
        return slugs

    app.state.counters = counters
    app.state.faults = faults
    return app
