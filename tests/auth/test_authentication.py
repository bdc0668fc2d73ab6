"""Authentication with real keys: API keys, JWTs against a loopback JWKS, the 401 shape."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from gateway.auth.authenticate import required
from tests.auth.conftest import (
    AUDIENCE,
    ISSUER,
    JwksServer,
    Signer,
    auth_settings,
    claims,
    ec_signer,
    key_of,
    rsa_signer,
    total_calls,
)
from tests.conftest import Gateway, make_settings, open_gateway

LIST = "{ customers(first: 2) { nodes { id } } }"


async def ask(gw: Gateway, extra: dict[str, str], query: str = LIST) -> tuple[int, Any, Any]:
    response = await gw.client.post("/graphql", json={"query": query}, headers=extra)
    return response.status_code, response.json(), response.headers


def refused(status: int, body: dict[str, Any]) -> bool:
    return (
        status == 401
        and body["data"] is None
        and [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    )


@pytest.fixture
def signers(jwks: JwksServer) -> list[Signer]:
    keys = [rsa_signer("rsa-1"), ec_signer("ec-1")]
    jwks.keys = [k.jwk() for k in keys]
    return keys


@pytest.fixture
async def jwt_gateway(jwks: JwksServer, signers: list[Signer]) -> AsyncIterator[Gateway]:
    auth = auth_settings(jwks_url=jwks.url, issuer=ISSUER, audience=AUDIENCE)
    async for gw in open_gateway(make_settings(auth=auth, cache={"enabled": False})):
        yield gw


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_valid_rsa_and_ec_tokens_answer(jwt_gateway: Gateway, signers: list[Signer]) -> None:
    for signer in signers:
        status, body, _ = await ask(jwt_gateway, bearer(signer.token()))
        assert status == 200, body
        assert "errors" not in body, body
        assert body["data"]["customers"]["nodes"]


def _part(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unsigned(payload: dict[str, Any], header: dict[str, Any]) -> str:
    return f"{_part(json.dumps(header).encode())}.{_part(json.dumps(payload).encode())}."


def _hs256(payload: dict[str, Any], signer: Signer) -> str:
    """The classic confusion: HS256 keyed with the public key (PyJWT refuses to make one)."""
    secret = signer.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = _unsigned(payload, {"alg": "HS256", "kid": signer.kid})[:-1]
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_part(mac)}"


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "not_yet_valid",
        "wrong_issuer",
        "wrong_audience",
        "no_exp",
        "bad_signature",
        "alg_none",
        "hs256_with_public_key",
        "rsa_token_naming_ec_key",
        "garbage",
        "unknown_kid",
    ],
)
async def test_bad_tokens_are_401_with_no_upstream_call(
    jwt_gateway: Gateway, signers: list[Signer], case: str
) -> None:
    rsa_key = signers[0]
    now = int(time.time())
    tokens: dict[str, Callable[[], str]] = {
        "expired": lambda: rsa_key.token(exp=now - 120, iat=now - 600),
        "not_yet_valid": lambda: rsa_key.token(nbf=now + 3600),
        "wrong_issuer": lambda: rsa_key.token(iss="https://other.example.test/"),
        "wrong_audience": lambda: rsa_key.token(aud="another-app"),
        "no_exp": lambda: rsa_key.token(exp=None),
        "bad_signature": lambda: rsa_key.token()[:-6] + "AAAAAA",
        "alg_none": lambda: _unsigned(claims(), {"alg": "none", "kid": "rsa-1"}),
        "hs256_with_public_key": lambda: _hs256(claims(), rsa_key),
        "rsa_token_naming_ec_key": lambda: jwt.encode(
            claims(), rsa_key.private, algorithm="RS256", headers={"kid": "ec-1"}
        ),
        "garbage": lambda: "not.a.jwt",
        "unknown_kid": lambda: rsa_signer("stranger").token(),
    }
    token = tokens[case]()
    await jwt_gateway.reset_stats()
    status, body, headers = await ask(jwt_gateway, bearer(token))
    assert refused(status, body), body
    assert headers["www-authenticate"].startswith("Bearer")
    assert await total_calls(jwt_gateway) == 0


async def test_unknown_kid_refetches_once_per_interval_then_rotated_keys_work(
    jwks: JwksServer, signers: list[Signer]
) -> None:
    auth = auth_settings(
        jwks_url=jwks.url, issuer=ISSUER, audience=AUDIENCE, jwks_refetch_interval_s=3600
    )
    async for gw in open_gateway(make_settings(auth=auth)):
        assert (await ask(gw, bearer(signers[0].token())))[0] == 200
        assert jwks.hits == 1
        rotated = ec_signer("ec-2")
        jwks.keys = [*jwks.keys, rotated.jwk()]
        for _ in range(5):  # a flood of unknown kids: no fetch within the interval
            assert refused(*(await ask(gw, bearer(rsa_signer("made-up").token())))[:2])
        assert refused(*(await ask(gw, bearer(rotated.token())))[:2])
        assert jwks.hits == 1
    auth["jwks_refetch_interval_s"] = 0
    jwks.hits = 0
    async for gw in open_gateway(make_settings(auth=auth)):
        jwks.keys = [signers[0].jwk()]
        assert (await ask(gw, bearer(signers[0].token())))[0] == 200
        jwks.keys = [rotated.jwk()]  # the provider rotates: the new kid makes one fetch
        status, body, _ = await ask(gw, bearer(rotated.token()))
        assert status == 200, body
        assert "errors" not in body, body
        assert (await ask(gw, bearer(rotated.token())))[0] == 200  # cached now
        for _ in range(3):  # every fetch found the kid or was allowed by the interval
            assert refused(*(await ask(gw, bearer(rsa_signer("made-up").token())))[:2])
        assert jwks.hits == 2 + 3


async def test_token_scopes_decide(jwt_gateway: Gateway, signers: list[Signer]) -> None:
    status, body, _ = await ask(jwt_gateway, bearer(signers[0].token(scope="schema:read")))
    assert status == 200
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_api_key_via_either_header(keyed_gateway: Gateway) -> None:
    for extra in ({"x-api-key": key_of("all")}, bearer(key_of("all"))):
        status, body, _ = await ask(keyed_gateway, extra)
        assert status == 200, body
        assert "errors" not in body, body


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"x-api-key": "test-key-nobody"},
        {"authorization": "Bearer test-key-nobody"},
        {"authorization": "Basic dXNlcjpwYXNz"},
        {"x-api-key": key_of("all"), "authorization": f"Bearer {key_of('all')}"},
        {"authorization": "Bearer a.b.c"},  # a JWT, but no JWKS configured
    ],
)
async def test_missing_or_invalid_api_key_is_401(
    keyed_gateway: Gateway, extra: dict[str, str]
) -> None:
    await keyed_gateway.reset_stats()
    status, body, headers = await ask(keyed_gateway, extra)
    assert refused(status, body), body
    assert headers["www-authenticate"].startswith("Bearer")
    assert "test-key" not in json.dumps(body)
    assert await total_calls(keyed_gateway) == 0


INTROSPECT = "{ __schema { queryType { name } } }"
SNEAKY = 'query { ...Q } fragment Q on Query { __type(name: "Customer") { name } }'
SDL = "{ _service { sdl } }"


@pytest.mark.parametrize("query", [INTROSPECT, SNEAKY, SDL])
async def test_introspection_needs_schema_read(keyed_gateway: Gateway, query: str) -> None:
    status, body, _ = await ask(keyed_gateway, {"x-api-key": key_of("customers_read")}, query)
    assert status == 200
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    status, body, _ = await ask(keyed_gateway, {"x-api-key": key_of("schema_read")}, query)
    assert "errors" not in body, body


async def test_introspection_switched_off() -> None:
    auth = auth_settings(introspection=False)
    async for gw in open_gateway(make_settings(auth=auth)):
        _, body, _ = await ask(gw, {"x-api-key": key_of("all")}, INTROSPECT)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_graphiql_page_is_served_but_not_its_queries(keyed_gateway: Gateway) -> None:
    page = await keyed_gateway.client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    query = await keyed_gateway.client.get(
        "/graphql", params={"query": LIST}, headers={"accept": "text/html"}
    )
    assert query.status_code == 401


async def test_graphiql_switched_off() -> None:
    async for gw in open_gateway(make_settings(auth={"graphiql": False})):
        page = await gw.client.get("/graphql", headers={"accept": "text/html"})
        assert "graphiql" not in page.text.lower()


async def test_metrics_gated_only_when_asked() -> None:
    async for gw in open_gateway(make_settings(auth=auth_settings(metrics_require_auth=True))):
        assert (await gw.client.get("/metrics")).status_code == 401
        ok = await gw.client.get("/metrics", headers={"x-api-key": key_of("none")})
        assert ok.status_code == 200
    async for gw in open_gateway(make_settings(auth=auth_settings())):
        assert (await gw.client.get("/metrics")).status_code == 200


async def test_demo_unchanged_without_header(gateway: Gateway) -> None:
    body = await gateway.data("{ customers(first: 2) { nodes { id native } } }")
    assert all(n["native"] is not None for n in body["customers"]["nodes"])
    _, introspection, _ = await ask(gateway, {}, INTROSPECT)
    assert "errors" not in introspection


async def test_demo_refuses_a_wrong_credential(gateway: Gateway) -> None:
    status, body, _ = await ask(gateway, {"x-api-key": "wrong"})
    assert refused(status, body)


async def test_production_requires_credentials_by_default() -> None:
    settings = make_settings(gateway_mode="production", auth=auth_settings(required=None))
    assert required(settings.auth, settings.mode)
    assert not required(make_settings().auth, make_settings().mode)
