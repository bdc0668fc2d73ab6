"""The Elastic Path emulator held to Elastic Path's own OpenAPI specs, with generated inputs.

Schemathesis drives every operation of the vendored OAuth, customer-address and
orders specs (`spec.py`, errata included) with inputs valid under them and inputs that
break them, a bounded, derandomized number of each, against a fresh emulator per
operation and with a client-credentials token. Every answer must be one the spec
documents, with a body its schema allows; every refusal is Elastic Path's error
envelope; never a 5xx; and a request that breaks the spec is refused. Generated ids
are swapped for seeded ones in half the cases (deterministically), so the 200s of the
address and order reads and writes are checked too. Valid inputs may still be refused:
Elastic Path checks more than its specs say (a two-letter country, the grant types).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance

from gateway.config import SandboxSettings
from gateway.model import ProviderName
from sandboxes.elasticpath.app import create_sandbox
from sandboxes.elasticpath.store import ElasticPathStore
from sandboxes.seed import Person, for_provider, people
from tests.providers.elasticpath.spec import load
from tests.providers.spec_fuzz import examples, generating, picked
from tests.sandboxes.malformed import elasticpath_envelope

SETTINGS = SandboxSettings(people=12)
EXAMPLES_PER_OPERATION = 20


def _configured(name: str) -> schemathesis.BaseSchema:
    return generating(load(name), with_security_parameters=False)


OAUTH = _configured("authentication.json")
ADDRESSES = _configured("customeraddresses.json")
ORDERS = _configured("orders.json")


def _population() -> tuple[Person, ...]:
    return for_provider(people(SETTINGS.seed, SETTINGS.people), ProviderName.ELASTIC_PATH)


def _seeded_ids() -> dict[str, str]:
    """Ids a fresh emulator holds (its store is seeded the same way every time): a
    customer with an address, and one of its orders."""
    store = ElasticPathStore(SETTINGS.seed)
    store.load(_population())
    customer_id = next(c for c, addresses in store.addresses.items() if addresses)
    order_id = next(
        o["id"]
        for o in store.orders.values()
        if o["relationships"]["customer"]["data"]["id"] == customer_id
    )
    return {
        "customerID": customer_id,
        "addressID": next(iter(store.addresses[customer_id])),
        "orderID": order_id,
    }


SEEDED = _seeded_ids()


def seeded_ids(context: schemathesis.HookContext, case: Case[Any]) -> Case[Any]:
    """Seeded ids in place of generated ones, in the picked half of the cases."""
    if picked(case):
        for name, value in (case.path_parameters or {}).items():
            if name in SEEDED and isinstance(value, str):
                case.path_parameters[name] = SEEDED[name]
    return case


for _schema in (ADDRESSES, ORDERS):
    _schema.hook("map_case")(seeded_ids)


def elasticpath_errors(ctx: Any, response: schemathesis.Response, case: Case[Any]) -> bool | None:
    """Every refusal is Elastic Path's `{"errors": [...]}`, its `status` the response's."""
    if response.status_code >= 300:
        problem = elasticpath_envelope(case.path, response.status_code, response.json())
        assert problem is None, f"{problem}: {response.text}"
    return None


@pytest.fixture
def ep_app() -> FastAPI:
    return create_sandbox(_population(), SETTINGS)


def check(case: Case[Any], app: FastAPI) -> None:
    """One generated call; the schema also sends its own probes (a call without the
    token must be refused) to this operation's app."""
    case.operation.schema.app = app
    store: ElasticPathStore = app.state.store
    token = store.issue("client_credentials")["access_token"]
    case.call_and_validate(
        app=app,
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=[positive_data_acceptance],
        additional_checks=[elasticpath_errors],
    )


SETTINGS_FOR_HYPOTHESIS = examples(EXAMPLES_PER_OPERATION)


@OAUTH.parametrize()
@SETTINGS_FOR_HYPOTHESIS
def test_oauth_answers_as_its_spec_says(case: Case[Any], ep_app: FastAPI) -> None:
    check(case, ep_app)


@ADDRESSES.parametrize()
@SETTINGS_FOR_HYPOTHESIS
def test_customer_addresses_answer_as_their_spec_says(case: Case[Any], ep_app: FastAPI) -> None:
    check(case, ep_app)


@ORDERS.parametrize()
@SETTINGS_FOR_HYPOTHESIS
def test_orders_answer_as_their_spec_says(case: Case[Any], ep_app: FastAPI) -> None:
    check(case, ep_app)
