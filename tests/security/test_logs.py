"""No password, token, email, phone or literal input value reaches a log record.

Hostile and ordinary requests (secrets as query literals and as variables, searches
whose upstream URLs hold emails, a provider failing by fault injection, parse,
validation and coercion errors, malformed `_entities`, a forged operation name and
request id) run with every logger at DEBUG, strawberry's and httpx's included. Every
record is then searched: message, arguments, attributes, exception text and the
formatted traceback. The same holds for a real `customer-gateway serve` at DEBUG,
whose uvicorn access log would print query strings.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from graphql import GraphQLError

from gateway import request_id
from gateway.request_id import RequestIdFilter
from schema.errors import Stage, report
from tests.conftest import Gateway
from tests.servers import start_gateway

PASSWORD_LITERAL = "Pw-Literal-7f3a9!"
PASSWORD_VARIABLE = "Pw-Variable-2c8e1!"
EMAIL_LITERAL = "literal.hostile@example.org"
EMAIL_VARIABLE = "variable.hostile@example.org"
PHONE_LITERAL = "+1 202 555 0143"
PHONE_VARIABLE = "+44 20 7946 0958"
TOKEN_LITERAL = "cnon:literal-token-5d2f"
TOKEN_VARIABLE = "clv_variable_token_9b7c"
NOTE_LITERAL = "note-literal-e81d"
IDEMPOTENCY_KEY = "idem-key-4f0a"
SECRETS = (
    PASSWORD_LITERAL,
    PASSWORD_VARIABLE,
    EMAIL_LITERAL,
    EMAIL_VARIABLE,
    PHONE_LITERAL,
    PHONE_VARIABLE,
    TOKEN_LITERAL,
    TOKEN_VARIABLE,
    NOTE_LITERAL,
    IDEMPOTENCY_KEY,
)

CREATE = """mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { field code message } }
}"""
SEARCH = """query ($filter: CustomerFilter) {
  customers(first: 5, filter: $filter) { nodes { id email phone } }
}"""


def forms(secret: str) -> set[str]:
    """A value as a log might hold it: as given, lowercased, URL-encoded, a phone's digits."""
    found = {secret, secret.lower(), quote(secret, safe=""), quote_plus(secret)}
    if secret.startswith("+"):
        found.add(re.sub(r"\D", "", secret))
    return found


def record_texts(record: logging.LogRecord) -> Iterator[str]:
    yield record.getMessage()
    yield repr(record.args)
    yield repr(record.__dict__)
    yield record.exc_text or ""
    yield record.stack_info or ""
    if record.exc_info and record.exc_info[1] is not None:
        yield "".join(traceback.format_exception(record.exc_info[1]))


def leaks(records: list[logging.LogRecord]) -> list[tuple[str, str, str]]:
    """(logger, secret, message) for every record holding a secret in any form."""
    found = []
    for record in records:
        text = "\n".join(record_texts(record)).lower()
        for secret in SECRETS:
            if any(form.lower() in text for form in forms(secret)):
                found.append((record.name, secret, record.getMessage()[:200]))
    return found


@pytest.fixture
def everything_at_debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    names = [*logging.root.manager.loggerDict, "strawberry", "httpx", "gateway", "graphql"]
    for name in names:
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.handler.addFilter(RequestIdFilter())
    return caplog


async def first_id(gw: Gateway, provider: str) -> str:
    query = (
        "query ($p: [Provider!]) { customers(first: 1, filter: {providers: $p}) { nodes { id } } }"
    )
    data = await gw.data(query, p=[provider])
    return str(data["customers"]["nodes"][0]["id"])


async def hostile_requests(gw: Gateway) -> list[httpx.Response]:
    """Every kind of request that may log, each holding secrets; their answers."""
    post = gw.client.post
    square_id = await first_id(gw, "SQUARE")
    elastic_path_id = await first_id(gw, "ELASTIC_PATH")
    literal_create = f"""mutation {{ createCustomer(input: {{ provider: ELASTIC_PATH,
        email: "{EMAIL_LITERAL}", password: "{PASSWORD_LITERAL}", phone: "{PHONE_LITERAL}",
        note: "{NOTE_LITERAL}" }}) {{ customer {{ id }} userErrors {{ code }} }} }}"""
    variable_create = {
        "provider": "SQUARE",
        "email": EMAIL_VARIABLE,
        "phone": PHONE_VARIABLE,
        "note": NOTE_LITERAL,
        "idempotencyKey": IDEMPOTENCY_KEY,
        "paymentSourceToken": TOKEN_VARIABLE,
    }
    answers = [
        await post("/graphql", json={"query": literal_create}),
        await post("/graphql", json={"query": CREATE, "variables": {"input": variable_create}}),
        await post(
            "/graphql",
            json={
                "query": "mutation ($i: UpdateCustomerInput!) { updateCustomer(input: $i) "
                "{ userErrors { code } } }",
                "variables": {"i": {"id": elastic_path_id, "password": PASSWORD_VARIABLE}},
            },
        ),
        await post(
            "/graphql",
            json={
                "query": f"""mutation {{ attachPaymentSource(input: {{ customerId: "{square_id}",
                    token: "{TOKEN_LITERAL}" }}) {{ userErrors {{ code }} }} }}"""
            },
        ),
        await post(
            "/graphql", json={"query": SEARCH, "variables": {"filter": {"email": EMAIL_VARIABLE}}}
        ),
        await post(
            "/graphql", json={"query": SEARCH, "variables": {"filter": {"phone": PHONE_VARIABLE}}}
        ),
        await post(
            "/graphql",
            json={
                "query": f'{{ customers(first: 2, filter: {{ email: "{EMAIL_LITERAL}" }}) '
                "{ nodes { id } } }"
            },
        ),
        await gw.client.get(
            "/graphql",
            params={"query": SEARCH, "variables": f'{{"filter": {{"email": "{EMAIL_VARIABLE}"}}}}'},
        ),
        # parse, validation and coercion errors quoting secrets
        await post(
            "/graphql",
            json={"query": f'mutation {{ createCustomer(input: {{ password: "{PASSWORD_LITERAL}" '},
        ),
        await post(
            "/graphql",
            json={
                "query": f"""mutation {{ createCustomer(input: {{ provider: ELASTIC_PATH,
                password: ["{PASSWORD_LITERAL}"], email: "{EMAIL_LITERAL}" }})
                {{ customer {{ id }} }} }}"""
            },
        ),
        await post(
            "/graphql",
            json={
                "query": CREATE,
                "variables": {
                    "input": {
                        "provider": "ELASTIC_PATH",
                        "customerType": TOKEN_VARIABLE,
                        "password": PASSWORD_VARIABLE,
                    }
                },
            },
        ),
        await post(
            "/graphql",
            json={
                "query": "query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
                "variables": {
                    "r": [
                        {"__typename": "Customer", "email": EMAIL_VARIABLE},
                        {"__typename": "Customer", "id": TOKEN_VARIABLE},
                        {"__typename": "Order", "id": PASSWORD_VARIABLE},
                    ]
                },
            },
        ),
        await post(
            "/graphql",
            json={"query": "query A { __typename }", "operationName": EMAIL_VARIABLE},
        ),
        await post(
            "/graphql",
            json={
                "query": SEARCH,
                "variables": {"filter": {"createdAfter": "2020-01-01T00:00:00"}},
            },
            headers={"x-request-id": f"{EMAIL_VARIABLE} {TOKEN_VARIABLE}"},
        ),
    ]
    # a provider failing: its error lines, with secrets in the failing requests
    await gw.set_faults("square", error_rate=1.0, error_status=503)
    try:
        answers += [
            await post(
                "/graphql",
                json={"query": SEARCH, "variables": {"filter": {"email": EMAIL_VARIABLE}}},
            ),
            await post("/graphql", json={"query": CREATE, "variables": {"input": variable_create}}),
            await post(
                "/graphql",
                json={
                    "query": CREATE,
                    "variables": {"input": {**variable_create, "idempotencyKey": None}},
                },
            ),
        ]
    finally:
        await gw.clear_faults("square")
    return answers


async def test_no_secret_reaches_any_log_record(
    uncached_gateway: Gateway, everything_at_debug: pytest.LogCaptureFixture
) -> None:
    answers = await hostile_requests(uncached_gateway)
    records = everything_at_debug.records

    assert all(a.status_code < 500 for a in answers), [a.text for a in answers]
    logged = {r.getMessage().split(" path=")[0] for r in records if r.name == "gateway.graphql"}
    for code in (
        "PROVIDER_UNAVAILABLE",
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
        "BAD_USER_INPUT",
    ):
        assert f"graphql error code={code}" in logged, logged
    assert any(r.name == "httpx" and "HTTP Request" in r.getMessage() for r in records)
    assert not [r for r in records if r.name.startswith("strawberry")]
    assert leaks(records) == []


async def test_each_error_is_one_line_with_code_path_operation_provider_and_request_id(
    uncached_gateway: Gateway, everything_at_debug: pytest.LogCaptureFixture
) -> None:
    await uncached_gateway.set_faults("clover", error_rate=1.0, error_status=503)
    response = await uncached_gateway.client.post(
        "/graphql",
        json={"query": "query Listing { customers(first: 2) { nodes { id } } }"},
        headers={"x-request-id": "rid-test-0042"},
    )

    assert response.headers["x-request-id"] == "rid-test-0042"
    lines = [r for r in everything_at_debug.records if r.name == "gateway.graphql"]
    assert [r.getMessage() for r in lines] == [
        "graphql error code=PROVIDER_UNAVAILABLE path=- operation=Listing "
        "provider=CLOVER status=503 upstream_code=- error=ProviderUnavailable"
    ]
    assert [getattr(r, "request_id", None) for r in lines] == ["rid-test-0042"]
    assert lines[0].exc_info is None


async def test_a_request_id_that_is_no_plain_token_is_replaced(gateway: Gateway) -> None:
    for sent in ("has space", "x" * 200, "semi;colon", ""):
        response = await gateway.client.get("/healthz", headers={"x-request-id": sent})
        echoed = response.headers["x-request-id"]
        assert echoed != sent
        assert re.fullmatch(r"[0-9a-f]{32}", echoed)
    plain = await gateway.client.get("/healthz", headers={"x-request-id": "a.b:c-D_9"})
    assert plain.headers["x-request-id"] == "a.b:c-D_9"
    fresh = {(await gateway.client.get("/healthz")).headers["x-request-id"] for _ in range(3)}
    assert len(fresh) == 3


def explode(password: str) -> None:
    secret_local = password + "-local"
    raise ValueError(f"cannot use {secret_local}")


def test_an_internal_error_logs_type_and_frames_but_no_message_or_values(
    everything_at_debug: pytest.LogCaptureFixture,
) -> None:
    try:
        explode(PASSWORD_LITERAL)
    except ValueError as exc:
        error = GraphQLError("cannot use it", path=["customers"], original_error=exc)
    token = request_id._current.set("rid-internal")
    try:
        shaped = report(error, Stage.EXECUTION, "Op")
    finally:
        request_id._current.reset(token)

    assert shaped.extensions == {"code": "INTERNAL"}
    assert shaped.message == "Internal error."
    [record] = [r for r in everything_at_debug.records if r.name == "gateway.graphql"]
    text = record.getMessage()
    assert record.levelno == logging.ERROR
    assert record.exc_info is None
    assert text.startswith("graphql error code=INTERNAL path=customers operation=Op provider=-")
    assert "type=builtins.ValueError" in text
    assert "in explode" in text
    assert 'raise ValueError(f"cannot use {secret_local}")' in text  # the source line, no value
    assert leaks([record]) == []


def test_served_logs_hold_no_query_string_or_secret(tmp_path: Path) -> None:
    """`customer-gateway serve` at DEBUG: uvicorn's access lines and the sandboxes' too."""
    server = start_gateway(tmp_path, LOG_LEVEL="DEBUG")
    try:
        with httpx.Client(base_url=server.url, timeout=30.0) as http:
            variables = f'{{"filter": {{"email": "{EMAIL_VARIABLE}"}}}}'
            searched = http.get("/graphql", params={"query": SEARCH, "variables": variables})
            created = http.post(
                "/graphql",
                json={
                    "query": f"mutation {{ createCustomer(input: {{ provider: ELASTIC_PATH, "
                    f'email: "{EMAIL_LITERAL}", password: "{PASSWORD_LITERAL}" }}) '
                    "{ customer { id } } }"
                },
                headers={"x-request-id": "served-rid-1"},
            )
            invalid = http.get(
                "/graphql",
                params={"query": f'{{ nope(x: "{TOKEN_LITERAL}") }}'},
                headers={"x-request-id": "served-rid-2"},
            )
    finally:
        server.stop()
    log = server.log.read_text(errors="replace")

    assert searched.status_code == created.status_code == invalid.status_code == 200
    assert '"GET /graphql HTTP/1.1" 200' in log
    assert '"POST /graphql HTTP/1.1" 200' in log
    assert '"GET /sandbox/digitalriver/… HTTP/1.1" 200' in log, "the loopback calls are logged"
    assert "gateway.graphql [served-rid-2]: graphql error code=GRAPHQL_VALIDATION_FAILED" in log
    assert "?" not in "".join(line for line in log.splitlines() if "HTTP/1.1" in line)
    lowered = log.lower()
    assert [s for s in SECRETS if any(form.lower() in lowered for form in forms(s))] == []


def test_record_texts_see_what_a_formatter_would_print() -> None:
    """The search above would catch a value in any part of a record (guards the guard)."""
    try:
        raise RuntimeError(EMAIL_VARIABLE)
    except RuntimeError as exc:
        with_traceback = logging.LogRecord(
            "x", logging.ERROR, "f", 1, "m", None, (type(exc), exc, exc.__traceback__)
        )
    in_args = logging.LogRecord(
        "x", logging.INFO, "f", 1, "a %s", (PHONE_VARIABLE.replace(" ", ""),), None
    )
    in_extra = logging.LogRecord("x", logging.INFO, "f", 1, "m", None, None)
    in_extra.detail = TOKEN_LITERAL

    found: list[Any] = [leaks([r]) for r in (with_traceback, in_args, in_extra)]

    assert all(found), found
