"""Persisted queries over the real app: Apollo's automatic protocol, trusted documents, off.

Each request goes through the router as a client sends it (POST bodies, GET query
parameters); the sandbox counters show what reached a provider. A persisted document
is held to the same limits and scopes as one sent whole: the cost depends on the
variables and the refusal on the caller, never on how the document arrived.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from gateway.persisted import MANIFEST_FORMAT, NO_STORE, sha256_of
from tests.auth.conftest import auth_settings, headers, total_calls
from tests.conftest import Gateway, make_settings, open_gateway

SQUARE_PAGE = """query Page($n: Int!) {
  customers(first: $n, filter: {providers: [SQUARE]}) { nodes { id email } }
}"""
MARKER = "marker-7f3a"
UNLISTED = "{ providers { provider } } # " + MARKER


def persisted(sha: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


async def post(
    gw: Gateway, body: dict[str, Any], key: str | None = None
) -> tuple[httpx.Response, dict[str, Any]]:
    response = await gw.client.post("/graphql", json=body, headers=headers(key) if key else {})
    answer: dict[str, Any] = response.json()
    return response, answer


def only_error(answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["data"] is None, answer
    [error] = answer["errors"]
    assert isinstance(error, dict)
    return error


@asynccontextmanager
async def gateway_with(**settings: Any) -> AsyncIterator[Gateway]:
    """No read cache, so the counters see every call a request makes."""
    async for gw in open_gateway(make_settings(cache={"enabled": False}, **settings)):
        yield gw


def manifest(tmp_path: Path, *bodies: str) -> Path:
    path = tmp_path / "persisted-query-manifest.json"
    operations = [
        {"id": sha256_of(body), "body": body, "name": f"op{i}", "type": "query"}
        for i, body in enumerate(bodies)
    ]
    document = {"format": MANIFEST_FORMAT, "version": 1, "operations": operations}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


async def test_apollo_round_trip_hash_then_text_then_hash_alone() -> None:
    query = SQUARE_PAGE + " # round trip"
    sha = sha256_of(query)
    async with gateway_with() as gw:
        response, answer = await post(gw, {"extensions": persisted(sha), "variables": {"n": 2}})
        assert response.status_code == 200
        assert response.headers["cache-control"] == NO_STORE
        error = only_error(answer)
        assert error["message"] == "PersistedQueryNotFound"
        assert error["extensions"] == {"code": "PERSISTED_QUERY_NOT_FOUND"}
        assert await total_calls(gw) == 0

        body = {"query": query, "variables": {"n": 2}, "extensions": persisted(sha)}
        response, first = await post(gw, body)
        assert response.status_code == 200
        assert "errors" not in first
        assert len(first["data"]["customers"]["nodes"]) == 2

        response, again = await post(gw, {"extensions": persisted(sha), "variables": {"n": 2}})
        assert response.status_code == 200
        assert again == first


async def test_a_hash_that_is_not_the_texts_is_refused_and_not_kept() -> None:
    query = SQUARE_PAGE + " # mismatch"
    wrong = sha256_of(query + " ")
    async with gateway_with() as gw:
        body = {"query": query, "variables": {"n": 1}, "extensions": persisted(wrong)}
        response, answer = await post(gw, body)
        assert response.status_code == 400
        error = only_error(answer)
        assert error == {
            "message": "provided sha does not match query",
            "extensions": {"code": "BAD_REQUEST"},
        }
        assert await total_calls(gw) == 0
        _, later = await post(gw, {"extensions": persisted(wrong), "variables": {"n": 1}})
        assert only_error(later)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_malformed_extensions_are_bad_requests() -> None:
    async with gateway_with() as gw:
        for extension in (
            {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}},
            {"persistedQuery": {"version": 1}},
            {"persistedQuery": "hash"},
        ):
            response, answer = await post(gw, {"extensions": extension})
            assert response.status_code == 400
            assert only_error(answer)["extensions"] == {"code": "BAD_REQUEST"}


async def test_get_with_the_extensions_parameter() -> None:
    query = "query Ids { customers(first: 1, filter: {providers: [SQUARE]}) { nodes { id } } }"
    extensions = json.dumps(persisted(sha256_of(query)))
    async with gateway_with() as gw:
        missed = await gw.client.get("/graphql", params={"extensions": extensions})
        assert missed.status_code == 200
        assert only_error(missed.json())["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        sent = await gw.client.get("/graphql", params={"query": query, "extensions": extensions})
        assert sent.status_code == 200
        assert "errors" not in sent.json()
        named = await gw.client.get("/graphql", params={"extensions": extensions})
        assert named.status_code == 200
        assert named.json() == sent.json()


async def test_a_document_that_does_not_validate_is_not_kept() -> None:
    query = "{ customers(first: 1) { nodes { noSuchField } } }"
    sha = sha256_of(query)
    async with gateway_with() as gw:
        _, answer = await post(gw, {"query": query, "extensions": persisted(sha)})
        assert only_error(answer)["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        _, later = await post(gw, {"extensions": persisted(sha)})
        assert only_error(later)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_the_cost_of_a_persisted_document_follows_its_variables() -> None:
    """Kept while cheap, the same document is refused by hash once its variables cost more."""
    query = SQUARE_PAGE + " # cost"
    sha = sha256_of(query)
    async with gateway_with(limits={"max_cost": 50}) as gw:
        body = {"query": query, "variables": {"n": 2}, "extensions": persisted(sha)}
        _, cheap = await post(gw, body)
        assert "errors" not in cheap
        await gw.reset_stats()
        _, costly = await post(gw, {"extensions": persisted(sha), "variables": {"n": 100}})
        error = only_error(costly)
        assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert error["extensions"]["limit"] == 50
        assert await total_calls(gw) == 0


async def test_scopes_hold_for_a_persisted_document() -> None:
    query = SQUARE_PAGE + " # scopes"
    sha = sha256_of(query)
    async with gateway_with(auth=auth_settings()) as gw:
        body = {"query": query, "variables": {"n": 1}, "extensions": persisted(sha)}
        _, allowed = await post(gw, body, key="all")
        assert "errors" not in allowed
        await gw.reset_stats()
        _, refused = await post(gw, {"extensions": persisted(sha), "variables": {"n": 1}}, "none")
        assert refused["data"] is None
        [error] = refused["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert error["path"] == ["customers"]
        assert await total_calls(gw) == 0


async def test_off_refuses_persisted_queries_and_runs_plain_ones() -> None:
    async with gateway_with(persisted_queries={"mode": "off"}) as gw:
        response, answer = await post(gw, {"query": UNLISTED, "extensions": persisted("0" * 64)})
        assert response.status_code == 200
        assert only_error(answer) == {
            "message": "PersistedQueryNotSupported",
            "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"},
        }
        assert "errors" not in (await gw.gql(UNLISTED))


async def test_trusted_mode_runs_the_manifest_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = manifest(tmp_path, SQUARE_PAGE)
    settings = {"persisted_queries": {"mode": "trusted", "manifest": str(path)}}
    async with gateway_with(**settings) as gw:
        refusals: list[tuple[dict[str, Any], str]] = [
            ({"query": UNLISTED}, "QUERY_NOT_IN_SAFELIST"),
            ({"query": "{ not even GraphQL"}, "QUERY_NOT_IN_SAFELIST"),
            ({"extensions": persisted(sha256_of(UNLISTED))}, "PERSISTED_QUERY_NOT_IN_LIST"),
            (
                {"query": UNLISTED, "extensions": persisted(sha256_of(SQUARE_PAGE))},
                "BAD_REQUEST",
            ),
        ]
        for body, code in refusals:
            response, answer = await post(gw, {**body, "variables": {"n": 1}})
            assert response.status_code == 400
            error = only_error(answer)
            assert error["extensions"] == {"code": code}
            assert MARKER not in response.text
        assert await total_calls(gw) == 0
        assert MARKER not in caplog.text

        by_id = {"extensions": persisted(sha256_of(SQUARE_PAGE)), "variables": {"n": 2}}
        _, named = await post(gw, by_id)
        assert len(named["data"]["customers"]["nodes"]) == 2
        _, sent = await post(gw, {"query": SQUARE_PAGE, "variables": {"n": 2}})
        assert sent == named


async def test_trusted_documents_keep_their_limits(tmp_path: Path) -> None:
    path = manifest(tmp_path, SQUARE_PAGE)
    settings = {
        "persisted_queries": {"mode": "trusted", "manifest": str(path)},
        "limits": {"max_cost": 50},
    }
    async with gateway_with(**settings) as gw:
        body = {"extensions": persisted(sha256_of(SQUARE_PAGE)), "variables": {"n": 100}}
        _, answer = await post(gw, body)
        assert only_error(answer)["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert await total_calls(gw) == 0


async def test_a_manifest_serves_its_ids_in_automatic_mode_too(tmp_path: Path) -> None:
    path = manifest(tmp_path, SQUARE_PAGE)
    async with gateway_with(persisted_queries={"manifest": str(path)}) as gw:
        body = {"extensions": persisted(sha256_of(SQUARE_PAGE)), "variables": {"n": 1}}
        _, answer = await post(gw, body)
        assert len(answer["data"]["customers"]["nodes"]) == 1
        assert "errors" not in (await gw.gql(UNLISTED))


def test_trusted_mode_needs_a_readable_manifest(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="needs PERSISTED_QUERIES__MANIFEST"):
        make_settings(persisted_queries={"mode": "trusted"})
    secret_body = "{ providers { provider } } # secret-words"
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"operations": [{"id": "x", "body": secret_body}]}))
    for path, reason in (
        (wrong, 'expected {"format"'),
        (tmp_path / "missing.json", "cannot read the manifest"),
    ):
        with pytest.raises(ValidationError) as refused:
            make_settings(persisted_queries={"mode": "trusted", "manifest": str(path)})
        [problem] = refused.value.errors(include_input=False)
        assert reason in problem["msg"]
        assert "secret-words" not in problem["msg"]
