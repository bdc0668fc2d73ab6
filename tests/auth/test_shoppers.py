"""Shopper tokens see and change only the shopper's own records; loginShopper on Elastic Path.

Everything runs against the real app over the sandboxes. A shopper's credential here
is a gateway shopper token (HS256 with the signing key, as `loginShopper` issues it);
an identity provider's shopper JWT becomes the same principal (`gateway.auth.tokens`).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest

from gateway.auth import shopper_tokens
from gateway.model import ProviderName
from sandboxes.elasticpath.store import SEEDED_PASSWORD
from sandboxes.seed import Person, people
from tests.auth.conftest import AUDIENCE, ISSUER, JwksServer, rsa_signer
from tests.conftest import Gateway, make_settings, open_gateway

SIGNING_KEY = "test-signing-key-for-shopper-tokens-0123456789"
POPULATION = people(make_settings().sandbox.seed, make_settings().sandbox.people)
CUSTOMER_FIELDS = "id provider email addresses { id } paymentSources { id } orders { nodes { id } }"
VIEWER = f"{{ viewer {{ email customers {{ {CUSTOMER_FIELDS} sameAs {{ id email }} }} }} }}"
LOGIN = """mutation($provider: Provider!, $email: String!, $password: String!) {
  loginShopper(input: {provider: $provider, email: $email, password: $password}) {
    token expiresAt userErrors { code message field }
  }
}"""


def everywhere() -> Person:
    return next(p for p in POPULATION if len(p.providers) == len(ProviderName))


def others(person: Person) -> list[Person]:
    return [p for p in POPULATION if p.key != person.key]


def token_for(person: Person, ttl_s: int = 600, now: float | None = None) -> str:
    return shopper_tokens.issue(SIGNING_KEY, f"sub-{person.key}", person.email, ttl_s, now).token


def is_write(route: str) -> bool:
    """A sandbox route that changes something: not a read, a search or a token grant."""
    method, _, template = route.partition(" ")
    return method != "GET" and not template.endswith("/search") and "token" not in template


class Shopper:
    """Requests as one shopper (or with any bearer), and the sandbox counters of the app."""

    def __init__(self, gateway: Gateway, token: str) -> None:
        self.gateway = gateway
        self.token = token

    async def post(self, query: str, **variables: Any) -> tuple[int, dict[str, Any]]:
        response = await self.gateway.client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        body: dict[str, Any] = response.json()
        return response.status_code, body

    async def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        status, body = await self.post(query, **variables)
        assert status == 200, body
        return body


async def records(gateway: Gateway, person: Person) -> list[dict[str, Any]]:
    """The person's customers as the (anonymous demo) back office reads them."""
    data = await gateway.data(
        f"query($e: String!) {{ customers(first: 20, filter: {{email: $e}}) "
        f"{{ nodes {{ {CUSTOMER_FIELDS} }} }} }}",
        e=person.email,
    )
    nodes: list[dict[str, Any]] = data["customers"]["nodes"]
    return nodes


async def writes(gateway: Gateway) -> list[str]:
    stats = await gateway.stats()
    return [r for s in stats.values() for r, n in s["routes"].items() if n and is_write(r)]


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    settings = make_settings(auth={"signing_key": SIGNING_KEY}, cache={"enabled": False})
    async for gw in open_gateway(settings):
        yield gw


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_viewer_holds_the_shoppers_customers_in_every_provider(gateway: Gateway) -> None:
    person = everywhere()
    body = await Shopper(gateway, token_for(person)).gql(VIEWER)
    assert "errors" not in body, body
    viewer = body["data"]["viewer"]
    assert viewer["email"] == person.email.lower()
    customers = viewer["customers"]
    assert sorted(c["provider"] for c in customers) == sorted(p.name for p in person.providers)
    assert {c["email"].lower() for c in customers} == {person.email.lower()}
    assert {c["id"] for c in customers} == {c["id"] for c in await records(gateway, person)}
    assert all(c["addresses"] and c["orders"]["nodes"] for c in customers)
    assert all(s["email"].lower() == person.email.lower() for c in customers for s in c["sameAs"])


@pytest.mark.parametrize("provider", list(ProviderName))
async def test_viewer_reads_each_provider_once(gateway: Gateway, provider: ProviderName) -> None:
    person = next(p for p in POPULATION if p.providers == (provider,))
    await gateway.reset_stats()
    body = await Shopper(gateway, token_for(person)).gql(
        "{ viewer { customers { id provider email } } }"
    )
    assert "errors" not in body, body
    [customer] = body["data"]["viewer"]["customers"]
    assert (customer["provider"], customer["email"].lower()) == (
        provider.name,
        person.email.lower(),
    )
    stats = await gateway.stats()
    searches = {k: v for k, v in stats[provider.value]["routes"].items() if "token" not in k}
    assert sum(searches.values()) == 1, searches


async def test_a_shopper_without_records_sees_none(gateway: Gateway) -> None:
    token = shopper_tokens.issue(SIGNING_KEY, "sub-x", "nobody@example.com", 600).token
    body = await Shopper(gateway, token).gql(VIEWER)
    assert body["data"]["viewer"] == {"email": "nobody@example.com", "customers": []}


FORBIDDEN_OPERATIONS = {
    "customers": ("{ customers(first: 5) { nodes { id email } } }", {}),
    "entities": (
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { email } } }",
        {"r": [{"__typename": "Customer", "id": "OWN"}]},
    ),
    "create": (
        'mutation { createCustomer(input: {provider: SQUARE, email: "x@example.com"}) '
        "{ customer { id } } }",
        {},
    ),
    "delete": (
        "mutation($id: ID!) { deleteCustomer(input: {id: $id}) { deletedId } }",
        {"id": "OWN"},
    ),
    "forget": (
        "mutation($id: ID!) { forgetCustomer(input: {id: $id}) { outcome } }",
        {"id": "OWN"},
    ),
    "email change": (
        'mutation($id: ID!) { updateCustomer(input: {id: $id, email: "me@evil.example"}) '
        "{ customer { id } } }",
        {"id": "OWN"},
    ),
    "merchant field": (
        "mutation($id: ID!) { updateCustomer(input: {id: $id, enabled: true}) "
        "{ customer { id } } }",
        {"id": "OWN"},
    ),
    "other's customer": ("query($id: ID!) { customer(id: $id) { email } }", {"id": "OTHER"}),
    "other's node": ("query($id: ID!) { node(id: $id) { id } }", {"id": "OTHER"}),
    "other's update": (
        'mutation($id: ID!) { updateCustomer(input: {id: $id, givenName: "X"}) '
        "{ customer { id } } }",
        {"id": "OTHER"},
    ),
    "other's address": (
        "mutation($id: ID!) { addCustomerAddress(input: {customerId: $id, "
        'address: {line1: "1 Main St", city: "Springfield", country: "US"}}) '
        "{ customer { id } } }",
        {"id": "OTHER"},
    ),
}


@pytest.mark.parametrize("name", list(FORBIDDEN_OPERATIONS))
async def test_forbidden_for_a_shopper_and_nothing_written(gateway: Gateway, name: str) -> None:
    person = everywhere()
    [own] = [c for c in await records(gateway, person) if c["provider"] == "SQUARE"]
    victim = next(p for p in others(person) if ProviderName.SQUARE in p.providers)
    [other] = [c for c in await records(gateway, victim) if c["provider"] == "SQUARE"]
    query, variables = FORBIDDEN_OPERATIONS[name]
    resolved = _substitute(variables, {"OWN": own["id"], "OTHER": other["id"]})
    await gateway.reset_stats()
    body = await Shopper(gateway, token_for(person)).gql(query, **resolved)
    assert codes(body) == ["FORBIDDEN"], body
    assert victim.email.lower() not in str(body).lower()
    assert await writes(gateway) == []
    assert await records(gateway, victim) == [other]


def _substitute(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, names) for v in value]
    return names.get(value, value) if isinstance(value, str) else value


async def test_listings_cost_no_upstream_call(gateway: Gateway) -> None:
    await gateway.reset_stats()
    body = await Shopper(gateway, token_for(everywhere())).gql(
        "{ customers(first: 5) { nodes { id } } }"
    )
    assert codes(body) == ["FORBIDDEN"]
    assert {p: s["total"] for p, s in (await gateway.stats()).items()} == dict.fromkeys(
        await gateway.stats(), 0
    )


async def test_own_records_read_and_written(gateway: Gateway) -> None:
    person = everywhere()
    shopper = Shopper(gateway, token_for(person))
    [own] = [c for c in await records(gateway, person) if c["provider"] == "CLOVER"]
    read = await shopper.gql("query($id: ID!) { customer(id: $id) { id email } }", id=own["id"])
    assert read["data"]["customer"] == {"id": own["id"], "email": own["email"]}
    order = own["orders"]["nodes"][0]["id"]
    node = await shopper.gql("query($id: ID!) { node(id: $id) { id } }", id=order)
    assert node["data"]["node"] == {"id": order}
    updated = await shopper.gql(
        'mutation($id: ID!) { updateCustomer(input: {id: $id, givenName: "Fran"}) '
        "{ customer { givenName } userErrors { code } } }",
        id=own["id"],
    )
    assert updated["data"]["updateCustomer"] == {
        "customer": {"givenName": "Fran"},
        "userErrors": [],
    }
    address = own["addresses"][0]["id"]
    changed = await shopper.gql(
        "mutation($c: ID!, $a: ID!) { updateCustomerAddress(input: {customerId: $c, "
        'addressId: $a, address: {city: "Lyon"}}) { customer { addresses { id city } } } }',
        c=own["id"],
        a=address,
    )
    assert "errors" not in changed, changed
    cities = {
        a["id"]: a["city"]
        for a in changed["data"]["updateCustomerAddress"]["customer"]["addresses"]
    }
    assert cities[address] == "Lyon"


async def test_another_persons_address_or_card_under_ones_own_id(gateway: Gateway) -> None:
    """Square detaches a card by its id alone: a foreign id must not reach it."""
    person = everywhere()
    mine = {c["provider"]: c for c in await records(gateway, person)}
    victim = next(
        p for p in others(person) if {ProviderName.SQUARE, ProviderName.CLOVER} <= set(p.providers)
    )
    before = await records(gateway, victim)
    theirs = {c["provider"]: c for c in before}
    shopper = Shopper(gateway, token_for(person))
    await gateway.reset_stats()
    detach = await shopper.gql(
        "mutation($c: ID!, $s: ID!) { detachPaymentSource(input: {customerId: $c, "
        "paymentSourceId: $s}) { customer { id } } }",
        c=mine["SQUARE"]["id"],
        s=theirs["SQUARE"]["paymentSources"][0]["id"],
    )
    remove = await shopper.gql(
        "mutation($c: ID!, $a: ID!) { removeCustomerAddress(input: {customerId: $c, "
        "addressId: $a}) { customer { id } } }",
        c=mine["CLOVER"]["id"],
        a=theirs["CLOVER"]["addresses"][0]["id"],
    )
    assert codes(detach) == codes(remove) == ["FORBIDDEN"]
    assert await writes(gateway) == []
    assert await records(gateway, victim) == before


async def test_login_shopper_on_elastic_path(gateway: Gateway) -> None:
    person = next(
        p for p in POPULATION if ProviderName.ELASTIC_PATH in p.providers and _has_password(p)
    )
    body = await gateway.data(
        LOGIN,
        provider="ELASTIC_PATH",
        email=person.email_in(ProviderName.ELASTIC_PATH),
        password=SEEDED_PASSWORD,
    )
    login = body["loginShopper"]
    assert login["userErrors"] == []
    assert login["token"]
    claims = jwt.decode(
        login["token"], SIGNING_KEY, algorithms=["HS256"], issuer="customer-gateway"
    )
    assert claims["scope"] == "shopper"
    assert claims["email"] == person.email.lower()
    assert claims["exp"] - claims["iat"] == make_settings().auth.shopper_token_ttl_s
    viewer = await Shopper(gateway, login["token"]).gql(VIEWER)
    providers = {c["provider"] for c in viewer["data"]["viewer"]["customers"]}
    assert providers == {p.name for p in person.providers}


def _has_password(person: Person) -> bool:
    """Seeded Elastic Path customers with an even key have the seeded password."""
    return int(person.key.lstrip("p")) % 2 == 0


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "no password set"])
async def test_login_refused_without_saying_why(gateway: Gateway, case: str) -> None:
    with_password = next(
        p for p in POPULATION if ProviderName.ELASTIC_PATH in p.providers and _has_password(p)
    )
    without = next(
        p for p in POPULATION if ProviderName.ELASTIC_PATH in p.providers and not _has_password(p)
    )
    email, password = {
        "wrong password": (with_password.email, SEEDED_PASSWORD + "x"),
        "unknown email": ("nobody.here@example.com", SEEDED_PASSWORD),
        "no password set": (without.email, SEEDED_PASSWORD),
    }[case]
    body = await gateway.data(LOGIN, provider="ELASTIC_PATH", email=email, password=password)
    assert body["loginShopper"] == {
        "token": None,
        "expiresAt": None,
        "userErrors": [
            {
                "code": "INVALID_CREDENTIALS",
                "message": "The email or password is wrong.",
                "field": None,
            }
        ],
    }


async def test_login_unsupported_elsewhere_and_without_a_signing_key(gateway: Gateway) -> None:
    person = everywhere()
    await gateway.reset_stats()
    body = await gateway.data(LOGIN, provider="SQUARE", email=person.email, password="pw")
    assert [e["code"] for e in body["loginShopper"]["userErrors"]] == ["UNSUPPORTED_OPERATION"]
    assert (await gateway.stats())["square"]["total"] == 0
    async for keyless in open_gateway(make_settings()):
        answer = await keyless.data(
            LOGIN, provider="ELASTIC_PATH", email=person.email, password=SEEDED_PASSWORD
        )
        [error] = answer["loginShopper"]["userErrors"]
        assert error["code"] == "UNSUPPORTED_OPERATION"
        assert "AUTH__SIGNING_KEY" in error["message"]


@pytest.mark.parametrize("case", ["expired", "forged", "other issuer", "alg none"])
async def test_bad_shopper_tokens_are_refused(gateway: Gateway, case: str) -> None:
    person = everywhere()
    now = int(time.time())
    claims = {"iss": "customer-gateway", "sub": "s", "email": person.email, "scope": "shopper"}
    token = {
        "expired": token_for(person, ttl_s=60, now=now - 3600),
        "forged": jwt.encode({**claims, "iat": now, "exp": now + 600}, "x" * 48, "HS256"),
        "other issuer": jwt.encode(
            {**claims, "iss": "elsewhere", "iat": now, "exp": now + 600}, SIGNING_KEY, "HS256"
        ),
        "alg none": _unsigned({**claims, "iat": now, "exp": now + 600}),
    }[case]
    await gateway.reset_stats()
    status, body = await Shopper(gateway, token).post(VIEWER)
    assert status == 401, body
    assert codes(body) == ["UNAUTHENTICATED"]
    assert person.email.lower() not in str(body).lower()
    stats = await gateway.stats()
    assert {p: s["total"] for p, s in stats.items()} == dict.fromkeys(stats, 0)


def _unsigned(claims: dict[str, Any]) -> str:
    """A JWT with `alg: none` and no signature, as an attacker writes one."""
    parts = [{"alg": "none", "typ": "JWT"}, claims]
    encoded = [base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=") for p in parts]
    return b".".join(encoded).decode() + "."


async def test_identity_provider_shopper_jwt_is_a_shopper(jwks: JwksServer) -> None:
    """An IdP JWT with the `shopper` scope and a verified email sees that person only."""
    signer = rsa_signer("shop-1")
    jwks.keys = [signer.jwk()]
    person = everywhere()
    settings = make_settings(auth={"jwks_url": jwks.url, "issuer": ISSUER, "audience": AUDIENCE})
    async for gw in open_gateway(settings):
        verified = signer.token(
            scope="shopper customers:read", email=person.email.upper(), email_verified=True
        )
        shopper = Shopper(gw, verified)
        body = await shopper.gql("{ viewer { email customers { email } } }")
        assert body["data"]["viewer"]["email"] == person.email.lower()
        assert len(body["data"]["viewer"]["customers"]) == len(person.providers)
        listing = await shopper.gql("{ customers(first: 1) { nodes { id } } }")
        assert codes(listing) == ["FORBIDDEN"], "its customers:read scope is ignored"
        unverified = signer.token(scope="shopper", email=person.email, email_verified=False)
        status, refused = await Shopper(gw, unverified).post(VIEWER)
        assert status == 401
        assert codes(refused) == ["UNAUTHENTICATED"]


async def test_viewer_is_forbidden_to_anyone_but_a_shopper(gateway: Gateway) -> None:
    await gateway.reset_stats()
    body = await gateway.gql("{ viewer { email } providers { provider } }")
    assert body["data"]["viewer"] is None
    assert len(body["data"]["providers"]) == len(ProviderName)
    assert codes(body) == ["FORBIDDEN"]
    stats = await gateway.stats()
    assert {p: s["total"] for p, s in stats.items()} == dict.fromkeys(stats, 0)
