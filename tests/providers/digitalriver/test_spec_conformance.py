"""The Digital River emulator held to Digital River's own OpenAPI document, with generated inputs.

Schemathesis drives every operation of the vendored document (`spec.py`, errata
included) with inputs valid under it and inputs that break it, a bounded,
derandomized number of each, against a fresh emulator per operation and with the
secret key, as the document's `bearerAuth` gives every operation, `POST /sources`
included. Every answer must be a status the document lists, with a body its schema
allows; every refusal is Digital River's `{"type", "errors"}` envelope; never a 5xx;
and a request that breaks the document is refused. Generated ids are swapped for
existing ones in half the cases (deterministically), so the 200s of retrieve, update,
delete and attach are checked too. Valid inputs may still be refused: Digital River
checks more than its document says (country codes, locales, card numbers).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance

from gateway.config import SandboxSettings
from gateway.model import ProviderName
from sandboxes.digitalriver.app import DEMO_SECRET_KEY, TEST_SOURCE_IDS, create_sandbox
from sandboxes.digitalriver.store import DigitalRiverStore
from sandboxes.seed import for_provider, people
from tests.providers.digitalriver.spec import load
from tests.providers.spec_fuzz import examples, generating, picked
from tests.sandboxes.malformed import digitalriver_envelope

SETTINGS = SandboxSettings(people=12)
EXAMPLES_PER_OPERATION = 16
AUTH = {"Authorization": f"Bearer {DEMO_SECRET_KEY}"}

schema = generating(load(), with_security_parameters=False)


def _existing(case: Case[Any], ids: dict[str, str]) -> None:
    """Existing ids in place of generated ones; `id` names what its path holds."""
    kind = case.operation.path.split("/")[1]
    for name, value in (case.path_parameters or {}).items():
        wanted = ids.get(kind if name == "id" else name)
        if wanted is not None and isinstance(value, str):
            case.path_parameters[name] = wanted


@pytest.fixture
async def dr_sandbox() -> tuple[FastAPI, dict[str, str]]:
    """A fresh emulator and ids it holds: a seeded customer and order, an unattached
    test source, and a tax identifier made through the API."""
    population = for_provider(people(SETTINGS.seed, SETTINGS.people), ProviderName.DIGITAL_RIVER)
    app = create_sandbox(population, SETTINGS)
    store: DigitalRiverStore = app.state.store
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://dr.local", headers=AUTH
    ) as client:
        made = await client.post("/tax-identifiers", json={"type": "de", "value": "DE123456789"})
    assert made.status_code == 201, made.text
    return (
        app,
        {
            "customers": next(iter(store.customers)),
            "orders": next(iter(store.orders)),
            "sources": TEST_SOURCE_IDS[0],
            "sourceId": TEST_SOURCE_IDS[0],
            "taxId": made.json()["id"],
        },
    )


def digitalriver_errors(ctx: Any, response: schemathesis.Response, case: Case[Any]) -> bool | None:
    """Every refusal is Digital River's envelope, its `type` naming the status."""
    if response.status_code >= 300:
        problem = digitalriver_envelope(case.path, response.status_code, response.json())
        assert problem is None, f"{problem}: {response.text}"
    return None


@schema.parametrize()
@examples(EXAMPLES_PER_OPERATION)
def test_every_operation_answers_as_the_document_says(
    case: Case[Any], dr_sandbox: tuple[FastAPI, dict[str, str]]
) -> None:
    app, ids = dr_sandbox
    if picked(case):
        _existing(case, ids)
    case.operation.schema.app = app
    case.call_and_validate(
        app=app,
        headers=AUTH,
        excluded_checks=[positive_data_acceptance],
        additional_checks=[digitalriver_errors],
    )
