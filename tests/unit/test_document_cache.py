"""The parse and validation caches (`schema.documents`) against the real schema.

graphql-core's `parse` and Strawberry's `validate_document` are wrapped by a counter
here only, in the module that calls them, so the test sees how often each really
ran; the caches themselves are production code, unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema
from graphql import parse

from schema.documents import DOCUMENTS, MAX_TEXT_CHARS, Documents
from schema.schema import schema
from tests.conftest import make_settings, open_gateway


class Counted:
    """How often the parser and the validator ran."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.parses = 0
        self.validations = 0
        real_parse: Callable[..., Any] = parse  # what Strawberry's module imported
        real_validate: Callable[..., Any] = strawberry_schema.validate_document

        def counted_parse(*args: Any, **kwargs: Any) -> Any:
            self.parses += 1
            return real_parse(*args, **kwargs)

        def counted_validate(*args: Any, **kwargs: Any) -> Any:
            self.validations += 1
            return real_validate(*args, **kwargs)

        monkeypatch.setattr(strawberry_schema, "parse", counted_parse)
        monkeypatch.setattr(strawberry_schema, "validate_document", counted_validate)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counted:
    return Counted(monkeypatch)


def fresh(document: str) -> str:
    """The document under a name no other test used (the cache lives for the process)."""
    return f"# {uuid.uuid4().hex}\n{document}"


async def test_a_document_is_parsed_and_validated_once(counted: Counted) -> None:
    query = fresh("query Probe { __typename }")
    first = await schema.execute(query)
    second = await schema.execute(query)
    assert first.errors is None
    assert first.data == second.data == {"__typename": "Query"}
    assert (counted.parses, counted.validations) == (1, 1)


async def test_validation_errors_are_kept_and_answered_each_time(counted: Counted) -> None:
    query = fresh("{ noSuchField }")
    for _ in range(2):
        result = await schema.execute(query)
        [error] = result.errors or []
        assert (error.extensions or {})["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert (counted.parses, counted.validations) == (1, 1)


async def test_a_document_over_the_token_limit_is_never_kept(counted: Counted) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(1_100))  # 3 tokens each
    query = fresh(f"{{ {aliases} }}")
    for _ in range(2):
        result = await schema.execute(query)
        [error] = result.errors or []
        assert (error.extensions or {})["code"] == "QUERY_TOO_COMPLEX"
        assert (error.extensions or {})["tokens"] == 2_001
    assert counted.parses == 2
    assert counted.validations == 0


async def test_a_syntax_error_keeps_its_code_and_is_parsed_again(counted: Counted) -> None:
    query = fresh("{ unclosed")
    for _ in range(2):
        result = await schema.execute(query)
        [error] = result.errors or []
        assert (error.extensions or {})["code"] == "GRAPHQL_PARSE_FAILED"
    assert counted.parses == 2


async def test_a_cached_document_meets_each_apps_own_token_limit() -> None:
    query = fresh("{ providers { provider enabled } }")
    async for roomy in open_gateway(make_settings()):
        assert "errors" not in await roomy.gql(query)
    async for strict in open_gateway(make_settings(limits={"max_tokens": 5})):
        body = await strict.gql(query)
        [error] = body["errors"]
        assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "tokens": 6, "limit": 5}


async def test_long_documents_are_not_kept(counted: Counted) -> None:
    query = fresh("query Long { __typename }") + " " * MAX_TEXT_CHARS
    before = len(DOCUMENTS)
    for _ in range(2):
        assert (await schema.execute(query)).errors is None
    assert counted.parses == 2
    assert len(DOCUMENTS) == before


def test_the_least_recently_used_document_goes_first() -> None:
    documents = Documents(maxsize=2)
    keys = [(schema._schema, f"{{ a{i}: __typename }}", ()) for i in range(3)]
    for key in keys[:2]:
        documents.put(key, parse(key[1]))
    assert documents.get(keys[0]) is not None  # now the most recent
    documents.put(keys[2], parse(keys[2][1]))
    assert len(documents) == 2
    assert documents.get(keys[1]) is None
    assert documents.get(keys[0]) is not None
    assert documents.get(keys[2]) is not None
