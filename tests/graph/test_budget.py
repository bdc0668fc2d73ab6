"""The upstream-call budget of one page of the graph, per provider, from the counters.

Each provider's figures are its case's `page_budget` (`tests/providers/<provider>/
case.py`), each following from that provider's API, as the docstrings there say.
"""

from __future__ import annotations

from collections import Counter
from math import ceil

from gateway.model import ProviderName
from tests.conftest import Gateway
from tests.contract.cases import CASES
from tests.graph.seeded import records

QUERY = """{ customers(first: 50) { nodes {
  provider email addresses { city } paymentSources { last4 }
  orders(first: 5) { nodes { total { amount } } } sameAs { provider } } } }"""


async def test_one_page_of_everything_costs_exactly_its_budget(
    uncached_gateway: Gateway,
) -> None:
    gateway = uncached_gateway
    await gateway.reset_stats()
    nodes = (await gateway.data(QUERY))["customers"]["nodes"]
    assert len(nodes) == 50
    on_page = Counter(ProviderName[n["provider"]] for n in nodes)
    assert set(on_page) == set(ProviderName), "the first 50 span every provider"
    stats = await gateway.stats()
    everyone = records(list(ProviderName))
    for case in CASES:
        provider = ProviderName[case.provider]
        in_provider = sum(1 for _, q in everyone if q is provider)
        expected = case.page_budget(on_page[provider], ceil(in_provider / 100))
        assert stats[provider.value]["routes"] == expected, provider
        assert stats[provider.value]["total"] == sum(expected.values())
