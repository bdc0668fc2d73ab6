"""Automatic persisted queries shared over Redis: registered on one app, named on another."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gateway.persisted import sha256_of
from tests.cache.conftest import redis_keys
from tests.conftest import REDIS_URL, make_settings, open_gateway

pytestmark = pytest.mark.redis

QUERY = "query Shared { customers(first: 1, filter: {providers: [SQUARE]}) { nodes { id } } }"


async def test_a_document_sent_to_one_replica_is_known_to_the_other(
    redis_prefixes: Callable[[], str],
) -> None:
    prefix = redis_prefixes()
    sha = sha256_of(QUERY)
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha}}
    settings = make_settings(cache={"url": REDIS_URL, "key_prefix": prefix})
    async for a in open_gateway(settings):
        async for b in open_gateway(settings):
            missed = (await b.client.post("/graphql", json={"extensions": extensions})).json()
            assert missed["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

            sent = await a.client.post("/graphql", json={"query": QUERY, "extensions": extensions})
            assert "errors" not in sent.json()
            assert f"{prefix}:apq:{sha}" in redis_keys(prefix)

            named = await b.client.post("/graphql", json={"extensions": extensions})
            assert named.json() == sent.json()
