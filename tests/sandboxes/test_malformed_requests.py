"""No request ever makes an emulator answer 500 or step out of its provider's error envelope.

Every route of every emulator (read from the app's own router) gets the generated set of
`malformed.py`: broken and non-object JSON, every field of a real record set to a wrong
type, a null or a huge value, unknown fields, bad query parameters, wrong methods and
unknown routes, both for real ids and for unknown ones. An answer may be a success (an
unknown field may be ignored), but never a 5xx, and every error is in the provider's own
envelope with a status the provider documents. Unhandled exceptions come back as 500s
(`raise_app_exceptions=False`), so a crash is a finding, not a test error.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from gateway.config import SandboxSettings
from gateway.model import ProviderName
from sandboxes.app import sandbox_factories
from sandboxes.clover.app import DEMO_ACCESS_TOKEN as CLOVER_TOKEN
from sandboxes.clover.app import DEMO_MERCHANT_ID, DEMO_PAKMS_KEY
from sandboxes.digitalriver.app import DEMO_PUBLIC_KEY, DEMO_SECRET_KEY
from sandboxes.elasticpath.app import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from sandboxes.seed import for_provider, people
from sandboxes.square.app import DEMO_ACCESS_TOKEN as SQUARE_TOKEN
from tests.sandboxes.malformed import (
    BODY_METHODS,
    Envelope,
    Probe,
    body_probes,
    clover_envelope,
    digitalriver_envelope,
    elasticpath_envelope,
    fill,
    first_listed_id,
    nested_listed_id,
    params_of,
    query_probes,
    routing_probes,
    square_envelope,
)

SETTINGS = SandboxSettings(people=12, clover_rate_limit_per_s=1_000_000, clover_max_in_flight=1_000)
FAKE_ID = "NOSUCHRECORD0"
Auth = Callable[..., Awaitable[dict[str, str]]]
"""(client, method, path, refresh=False) -> the headers that authenticate the request."""


async def bearer_square(*_: Any, **__: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {SQUARE_TOKEN}"}


async def clover_credential(_: httpx.AsyncClient, __: str, path: str, **___: Any) -> dict[str, str]:
    """The tokenizer takes the merchant's PAKMS key; everything else the access token."""
    if path == "/v1/tokens":
        return {"apikey": DEMO_PAKMS_KEY}
    return {"Authorization": f"Bearer {CLOVER_TOKEN}"}


class ElasticPathToken:
    """A client-credentials token, fetched again once a control route has expired it."""

    def __init__(self) -> None:
        self.header: dict[str, str] | None = None

    async def __call__(
        self, client: httpx.AsyncClient, _: str, __: str, refresh: bool = False
    ) -> dict[str, str]:
        if self.header is None or refresh:
            answer = await client.post(
                "/oauth/access_token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": DEMO_CLIENT_ID,
                    "client_secret": DEMO_CLIENT_SECRET,
                },
            )
            assert answer.status_code == 200, answer.text
            self.header = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        return dict(self.header)


async def digitalriver_key(
    _: httpx.AsyncClient, method: str, path: str, **__: Any
) -> dict[str, str]:
    key = DEMO_PUBLIC_KEY if (method, path) == ("POST", "/sources") else DEMO_SECRET_KEY
    return {"Authorization": f"Bearer {key}"}


@dataclass(frozen=True)
class Emulator:
    """What the test needs to know of a provider: its credential, envelope and statuses."""

    provider: ProviderName
    auth: Auth
    envelope: Envelope
    statuses: frozenset[int]
    known: Mapping[str, str] = field(default_factory=dict)
    """Path parameters no list endpoint names (Clover's merchant id)."""


EMULATORS = {
    e.provider: e
    for e in (
        Emulator(
            ProviderName.SQUARE,
            bearer_square,
            square_envelope,
            frozenset({400, 401, 402, 403, 404, 405, 409, 413, 429}),
        ),
        Emulator(
            ProviderName.CLOVER,
            clover_credential,
            clover_envelope,
            frozenset({400, 401, 402, 403, 404, 405, 409, 429}),
            {"mId": DEMO_MERCHANT_ID},
        ),
        Emulator(
            ProviderName.ELASTIC_PATH,
            ElasticPathToken(),
            elasticpath_envelope,
            frozenset({400, 401, 403, 404, 405, 409, 422, 429}),
        ),
        Emulator(
            ProviderName.DIGITAL_RIVER,
            digitalriver_key,
            digitalriver_envelope,
            frozenset({400, 401, 403, 404, 405, 406, 408, 409, 429}),
        ),
    )
}


def build(provider: ProviderName) -> FastAPI:
    factory = sandbox_factories()[provider]
    return factory(for_provider(people(SETTINGS.seed, SETTINGS.people), provider), SETTINGS)


@dataclass
class Sandbox:
    emulator: Emulator
    app: FastAPI
    client: httpx.AsyncClient


@pytest.fixture(params=list(EMULATORS), ids=lambda p: str(p.value))
async def sandbox(request: pytest.FixtureRequest) -> AsyncIterator[Sandbox]:
    emulator = EMULATORS[request.param]
    app = build(emulator.provider)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
        yield Sandbox(emulator, app, client)


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, template) of every route; deletes last, as they remove the ids others use."""
    pairs = [
        (method, route.path)
        for route in app.router.routes
        if isinstance(route, APIRoute)
        for method in sorted(route.methods or ())
    ]
    return sorted(pairs, key=lambda pair: pair[0] == "DELETE")


class Prober:
    """Sends probes to one emulator and keeps what went wrong."""

    def __init__(self, client: httpx.AsyncClient, emulator: Emulator, app: FastAPI) -> None:
        self.client = client
        self.emulator = emulator
        self.gets = {t for m, t in api_routes(app) if m == "GET"}
        self.resolved: dict[str, str] = dict(emulator.known)
        self.failures: list[str] = []
        self.sent = 0

    async def get_json(self, path: str, **params: str) -> Any:
        headers = await self.emulator.auth(self.client, "GET", path)
        answer = await self.client.get(path, params=params, headers=headers)
        return answer.json() if answer.status_code == 200 else None

    async def real_ids(self, template: str) -> dict[str, str] | None:
        """Each path parameter as the emulator's own list (or parent record) names it."""
        values: dict[str, str] = {}
        segments = template.split("/")
        for index, segment in enumerate(segments):
            names = params_of(segment)
            if not names:
                continue
            name = names[0]
            prefix = "/".join(segments[:index])
            found: str | None = None
            if prefix in self.gets:
                found = first_listed_id(await self.get_json(fill(prefix, values)))
            parent = "/".join(segments[: index - 1])
            if found is None and parent in self.gets and params_of(parent):
                path = fill(parent, values)
                found = nested_listed_id(await self.get_json(path), segments[index - 1])
                if found is None:
                    expanded = await self.get_json(path, expand=_camel(segments[index - 1]))
                    found = nested_listed_id(expanded, segments[index - 1])
            found = found or self.resolved.get(name)
            if found is None:
                return None
            values[name] = self.resolved.setdefault(name, found)
        return values

    async def base_record(self, template: str, path: str) -> dict[str, Any]:
        """A record the emulator returned, to mutate one field at a time: the route's own
        record for an item route, the first listed record for a collection route."""
        record = await self.get_json(path) if template in self.gets else None
        if isinstance(record, dict) and not params_of(template.rsplit("/", maxsplit=1)[-1]):
            listed = next((v for v in record.values() if isinstance(v, list) and v), None)
            if listed and isinstance(listed[0], dict):
                record = listed[0]
        return record if isinstance(record, dict) else {}

    async def send(self, probe: Probe) -> None:
        self.sent += 1
        answer = await self.request(probe, refresh=False)
        if answer.status_code == 401:  # a control route may have expired the credential
            answer = await self.request(probe, refresh=True)
        problem = self.judge(probe, answer)
        if problem:
            where = probe.path if len(probe.path) < 90 else probe.path[:87] + "..."
            self.failures.append(
                f"{probe.method} {where} [{probe.label}] -> {answer.status_code}: {problem}"
            )

    async def request(self, probe: Probe, *, refresh: bool) -> httpx.Response:
        headers = await self.emulator.auth(self.client, probe.method, probe.path, refresh=refresh)
        if probe.content_type:
            headers["Content-Type"] = probe.content_type
        return await self.client.request(
            probe.method,
            probe.path,
            params=probe.params,
            content=probe.content,
            json=probe.json if probe.content is None else None,
            headers=headers,
        )

    def judge(self, probe: Probe, answer: httpx.Response) -> str | None:
        status = answer.status_code
        if status >= 500:
            return f"server error {answer.text[:120]!r}"
        if probe.statuses is not None and status not in probe.statuses:
            return f"expected one of {sorted(probe.statuses)}"
        if status < 400:
            return None
        if status not in self.emulator.statuses:
            return "an undocumented status"
        try:
            body = answer.json()
        except json.JSONDecodeError:
            return f"a body that is not JSON {answer.text[:80]!r}"
        return self.emulator.envelope(probe.path, status, body)


def _camel(segment: str) -> str:
    head, *rest = segment.replace("-", "_").split("_")
    return head + "".join(part.title() for part in rest)


async def route_probes(prober: Prober, method: str, template: str) -> list[Probe]:
    """Unknown ids get the query and raw-body probes; real ids get every probe."""
    fake = fill(template, dict.fromkeys(params_of(template), FAKE_ID))
    probes = list(query_probes(method, fake))[:8]
    if method in BODY_METHODS:
        probes.extend(p for p in body_probes(method, fake, {}) if p.content is not None)
    real = await prober.real_ids(template)
    if real is not None:
        path = fill(template, real)
        if method in {"GET", "DELETE"}:
            probes.extend(query_probes(method, path))
        if method in BODY_METHODS:
            probes.extend(body_probes(method, path, await prober.base_record(template, path)))
    return probes


async def test_no_malformed_request_gets_a_500_or_a_foreign_envelope(sandbox: Sandbox) -> None:
    prober = Prober(sandbox.client, sandbox.emulator, sandbox.app)
    routes = api_routes(sandbox.app)
    templates: dict[str, frozenset[str]] = {}
    for method, template in routes:
        templates[template] = templates.get(template, frozenset()) | {method}
    for probe in routing_probes(templates, sandbox.emulator.known, FAKE_ID):
        await prober.send(probe)
    for method, template in routes:
        for probe in await route_probes(prober, method, template):
            await prober.send(probe)
    assert prober.sent > 200
    assert not prober.failures, f"{len(prober.failures)} of {prober.sent} probes:\n" + "\n".join(
        prober.failures[:80]
    )
