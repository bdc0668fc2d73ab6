"""Cache keys are scoped to the provider account, and no secret reaches them."""

from __future__ import annotations

from typing import Any

from aiocache import Cache

from gateway.contract import SandboxLink
from gateway.model import ProviderName
from gateway.registry import build_registry
from tests.conftest import make_settings

TOKEN_A = "EAAA-account-a-secret-token"
TOKEN_B = "EAAA-account-b-secret-token"
ONLY_SQUARE = {p.value: {"enabled": False} for p in ProviderName if p is not ProviderName.SQUARE}


async def square_namespace(**square: Any) -> str:
    cache = Cache(Cache.MEMORY)
    settings = make_settings(square=square, **ONLY_SQUARE)
    registry = build_registry(settings, None, cache)
    try:
        return registry.namespace(ProviderName.SQUARE)
    finally:
        await registry.aclose()


async def test_two_square_accounts_behind_one_base_url_get_distinct_namespaces() -> None:
    base = "https://connect.squareup.com"
    a = await square_namespace(access_token=TOKEN_A, base_url=base)
    b = await square_namespace(access_token=TOKEN_B, base_url=base)
    assert a != b
    assert a == await square_namespace(access_token=TOKEN_A, base_url=base)
    for namespace in (a, b):
        assert TOKEN_A not in namespace
        assert TOKEN_B not in namespace


async def test_environment_and_base_url_separate_accounts_too() -> None:
    sandbox = await square_namespace(access_token=TOKEN_A, environment="sandbox")
    production = await square_namespace(access_token=TOKEN_A, environment="production")
    elsewhere = await square_namespace(access_token=TOKEN_A, base_url="https://proxy.example")
    assert len({sandbox, production, elsewhere}) == 3


async def test_the_key_prefix_leads_every_namespace() -> None:
    cache = Cache(Cache.MEMORY)
    settings = make_settings(cache={"key_prefix": "staging"})
    registry = build_registry(settings, SandboxLink("http://sandbox.test"), cache)
    assert list(registry)
    try:
        for provider in registry:
            assert registry.namespace(provider).startswith("staging:")
    finally:
        await registry.aclose()
