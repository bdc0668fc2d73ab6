"""Real credentials for the auth tests: RSA and EC keys, a JWKS over loopback, API keys.

The JWKS is served by `http.server` on a free port in a thread, so the gateway fetches
it with its own httpx client exactly as it would an identity provider's; tests rotate
its keys and read how often it was fetched.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from gateway.auth.api_keys import digest
from gateway.auth.principal import Scope
from tests.conftest import Gateway, make_settings, open_gateway

ISSUER = "https://idp.example.test/"
AUDIENCE = "customer-gateway"


@dataclass
class Signer:
    """One signing key of the identity provider, and its public JWK."""

    kid: str
    algorithm: str
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            data = RSAAlgorithm.to_jwk(public, as_dict=True)
        else:
            data = ECAlgorithm.to_jwk(public, as_dict=True)
        return {**data, "kid": self.kid, "alg": self.algorithm, "use": "sig"}

    def token(self, **overrides: Any) -> str:
        return jwt.encode(
            claims(**overrides), self.private, algorithm=self.algorithm, headers={"kid": self.kid}
        )


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "user-1",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "scope": "customers:read",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def rsa_signer(kid: str) -> Signer:
    return Signer(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))


def ec_signer(kid: str) -> Signer:
    return Signer(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))


@dataclass
class JwksServer:
    """A loopback JWKS endpoint: `keys` is what it serves now, `hits` how often it was asked."""

    keys: list[dict[str, Any]] = field(default_factory=list)
    hits: int = 0
    url: str = ""


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    served = JwksServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.hits += 1
            body = json.dumps({"keys": served.keys}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


SCOPE_SETS: dict[str, frozenset[Scope]] = {
    "none": frozenset(),
    "all": frozenset(Scope) - {Scope.SHOPPER},
    **{s.value.replace(":", "_"): frozenset({s}) for s in Scope if s is not Scope.SHOPPER},
}
"""An API key per scope set the matrix walks: none, each single scope, all."""


def key_of(name: str) -> str:
    """The (test-only) secret of the key named `name`."""
    return f"test-key-{name}"


def key_entry(
    name: str, scopes: frozenset[Scope], providers: list[str] | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": name,
        "sha256": digest(key_of(name)),
        "scopes": sorted(s.value for s in scopes),
    }
    if providers is not None:
        entry["providers"] = providers
    return entry


def auth_settings(**auth: Any) -> dict[str, Any]:
    """`auth` settings with every SCOPE_SETS key, required unless told otherwise."""
    keys = [key_entry(name, scopes) for name, scopes in SCOPE_SETS.items()]
    return {"required": True, "api_keys": keys + auth.pop("extra_keys", []), **auth}


def headers(name: str) -> dict[str, str]:
    return {"x-api-key": key_of(name)}


@pytest.fixture
async def keyed_gateway() -> AsyncIterator[Gateway]:
    """Auth required, an API key per scope set, no read cache (counters see every call)."""
    async for gw in open_gateway(make_settings(auth=auth_settings(), cache={"enabled": False})):
        yield gw


async def post(
    gw: Gateway, query: str, key: str | None, **variables: Any
) -> tuple[int, dict[str, Any]]:
    response = await gw.client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers=headers(key) if key else {},
    )
    body: dict[str, Any] = response.json()
    return response.status_code, body


async def total_calls(gw: Gateway) -> int:
    stats = await gw.stats()
    return sum(int(s["total"]) for s in stats.values() if isinstance(s, dict) and "total" in s)
