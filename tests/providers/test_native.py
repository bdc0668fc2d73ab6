"""`Customer.native` carries no account identifier and no absolute URL, per provider.

A table of native payloads shaped like each provider's documented answers (with the
deployment parts they carry: Clover's merchant and `href`s, Elastic Path's `links`,
Digital River's `clientSecret`s, a URL a provider might add anywhere) goes through each
mapping; then every provider's `native` is read through the gateway from its sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from gateway.model import Customer
from gateway.providers.clover import mapping as clover
from gateway.providers.clover.settings import SANDBOX_MERCHANT_ID
from gateway.providers.digitalriver import mapping as digitalriver
from gateway.providers.elasticpath import mapping as elasticpath
from gateway.providers.square import mapping as square
from tests.conftest import Gateway

HOST = "internal-upstream.example"
CASES: list[tuple[str, Callable[[dict[str, Any]], Customer], dict[str, Any], dict[str, Any]]] = [
    (
        "clover",
        clover.to_customer,
        {
            "href": f"https://{HOST}/v3/merchants/M1/customers/C1",
            "id": "C1",
            "merchant": {"id": "M1", "href": f"https://{HOST}/v3/merchants/M1"},
            "firstName": "Ada",
            "emailAddresses": {
                "elements": [
                    {"id": "E1", "emailAddress": "ada@example.com", "href": f"https://{HOST}/e"}
                ]
            },
            "cards": {"elements": [{"id": "K1", "token": "charge-me", "last4": "4242"}]},
        },
        {
            "id": "C1",
            "firstName": "Ada",
            "emailAddresses": {"elements": [{"id": "E1", "emailAddress": "ada@example.com"}]},
            "cards": {"elements": [{"id": "K1", "last4": "4242"}]},
        },
    ),
    (
        "elasticpath",
        elasticpath.to_customer,
        {
            "type": "customer",
            "id": "8f53a676-8ff5-4d38-b96e-df303a61282c",
            "name": "Ada",
            "links": {"self": f"https://{HOST}/v2/customers/8f53a676"},
            "meta": {"timestamps": {"created_at": "2026-01-01T00:00:00.000Z"}},
        },
        {
            "type": "customer",
            "id": "8f53a676-8ff5-4d38-b96e-df303a61282c",
            "name": "Ada",
            "meta": {"timestamps": {"created_at": "2026-01-01T00:00:00.000Z"}},
        },
    ),
    (
        "digitalriver",
        digitalriver.to_customer,
        {
            "id": "cus1",
            "email": "ada@example.com",
            "sources": [
                {
                    "id": "s1",
                    "clientSecret": "s1_secret",
                    "redirect": {"redirectUrl": f"https://{HOST}/r"},
                }
            ],
        },
        {"id": "cus1", "email": "ada@example.com", "sources": [{"id": "s1", "redirect": {}}]},
    ),
    (
        "square",
        square.to_customer,
        {"id": "SQ1", "given_name": "Ada", "profile_url": f"http://{HOST}/p", "tags": ["vip"]},
        {"id": "SQ1", "given_name": "Ada", "tags": ["vip"]},
    ),
]


@pytest.mark.parametrize(
    ("provider", "to_customer", "native", "curated"),
    CASES,
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_native_is_curated_by_each_mapping(
    provider: str,
    to_customer: Callable[[dict[str, Any]], Customer],
    native: dict[str, Any],
    curated: dict[str, Any],
) -> None:
    assert to_customer(native).native == curated


async def test_no_native_read_through_the_gateway_names_the_deployment(gateway: Gateway) -> None:
    body = await gateway.data("{ customers(first: 40) { nodes { provider native } } }")
    nodes = body["customers"]["nodes"]
    assert {n["provider"] for n in nodes} >= {"SQUARE", "CLOVER", "ELASTIC_PATH", "DIGITAL_RIVER"}
    text = json.dumps([n["native"] for n in nodes])
    assert "://" not in text
    assert SANDBOX_MERCHANT_ID not in text
