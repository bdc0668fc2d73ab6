"""The Square emulator held to Square's own OpenAPI spec, with inputs generated from it.

Schemathesis drives every operation of the vendored spec (`spec.py`) with inputs
valid under it and inputs that break it, a bounded, derandomized number of each,
against a fresh emulator per operation. Every answer must be one the spec allows: a
200 whose body matches the operation's response schema or, since Square documents
only 200s, an error in Square's envelope whose category and code are the spec's own
enums and agree with the status; never a 5xx; and a request that breaks the spec
must be refused. Generated ids are swapped for seeded ones in half the cases
(deterministically), so the 200s of retrieve, update, delete, card and order calls
are checked too. Schemathesis' "coverage" phase (every boundary of every field, about
5,000 requests) also passes but is left out for time.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance, status_code_conformance

from gateway.config import SandboxSettings
from gateway.model import ProviderName
from sandboxes.seed import Person, for_provider, people
from sandboxes.square.app import DEMO_ACCESS_TOKEN, create_sandbox
from sandboxes.square.routes import REUSABLE_NONCE
from sandboxes.square.store import LOCATION_ID, SquareStore
from tests.providers.spec_fuzz import examples, generating, picked
from tests.providers.square.spec import SCHEMA, envelope_problem

SETTINGS = SandboxSettings(people=12)
EXAMPLES_PER_OPERATION = 12
AUTH = {"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}

schema = generating(SCHEMA.clone())


def _population() -> tuple[Person, ...]:
    return for_provider(people(SETTINGS.seed, SETTINGS.people), ProviderName.SQUARE)


def _seeded_ids() -> dict[str, str]:
    """The ids a fresh emulator holds: its store is seeded the same way every time."""
    store = SquareStore(SETTINGS.seed)
    store.load(_population())
    card = next(iter(store.cards.values()))
    return {
        "customer_id": card["customer_id"],
        "card_id": card["id"],
        "order_id": store.orders[0]["id"],
        "location_id": LOCATION_ID,
    }


SEEDED = _seeded_ids()


@schema.hook
def map_case(context: schemathesis.HookContext, case: Case[Any]) -> Case[Any]:
    """Seeded ids in place of generated ones: path parameters, and valid bodies' id lists."""
    if not picked(case):
        return case
    for name, value in (case.path_parameters or {}).items():
        if name in SEEDED and isinstance(value, str):
            case.path_parameters[name] = SEEDED[name]
    body: Any = case.body
    if (case.meta and case.meta.generation.mode.is_negative) or not isinstance(body, dict):
        return case
    if isinstance(body.get("customer_ids"), list):
        body["customer_ids"] = [SEEDED["customer_id"], *body["customer_ids"][:3]]
    if isinstance(body.get("location_ids"), list):
        body["location_ids"] = [LOCATION_ID]
    if isinstance(body.get("card"), dict):
        body["source_id"] = REUSABLE_NONCE
        body["card"]["customer_id"] = SEEDED["customer_id"]
    return case


def square_envelope(ctx: Any, response: schemathesis.Response, case: Case[Any]) -> bool | None:
    """Anything but a 200 is Square's `{"errors": [...]}`, its category fitting the status."""
    if response.status_code != 200:
        problem = envelope_problem(response.status_code, response.json())
        assert problem is None, f"{problem}: {response.text}"
    return None


@pytest.fixture
def square_app() -> FastAPI:
    return create_sandbox(_population(), SETTINGS)


@schema.parametrize()
@examples(EXAMPLES_PER_OPERATION)
def test_every_operation_answers_as_the_spec_says(case: Case[Any], square_app: FastAPI) -> None:
    case.call_and_validate(
        app=square_app,
        headers=AUTH,
        excluded_checks=[status_code_conformance, positive_data_acceptance],
        additional_checks=[square_envelope],
    )
