"""Property-based fuzzing of the live schema over a real socket, bounded for CI.

A few hundred operations drawn by hypothesis-graphql (see `fuzzing.py`), mutations
included, sent to `customer-gateway serve` with its embedded sandboxes. `bench/fuzz.py`
runs the same for 10,000.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.config import LimitSettings
from tests.properties import against_a_server
from tests.security.fuzzing import Tally, known_ids, live_schema, operations
from tests.servers import gateway_client

EXAMPLES = 300


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with gateway_client(tmp_path_factory.mktemp("fuzz")) as http:
        yield http


@pytest.fixture(scope="module")
def drawn(client: httpx.Client) -> st.SearchStrategy[str]:
    return operations(live_schema(client), known_ids(client))


@pytest.fixture(scope="module")
def tally() -> Tally:
    return Tally(deadline_s=LimitSettings().deadline_s)


@against_a_server(EXAMPLES)
@given(data=st.data())
def test_no_operation_of_the_schema_breaks_the_gateway(
    client: httpx.Client, drawn: st.SearchStrategy[str], tally: Tally, data: st.DataObject
) -> None:
    query = data.draw(drawn, label="query")
    assert tally.send(client, query) == [], query
