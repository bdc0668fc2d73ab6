"""The upstream-call budget of one page of the graph, per provider, from the counters.

Each figure follows from the provider's API (see the adapters' docstrings):

- Square: SearchCustomers for the page and once for the sameAs index (<= 100 per
  page); ListCards per customer (no batch form); ListLocations once per process;
  SearchOrders per 10 customers. Addresses ride on the customer record.
- Clover: one v3 list for the page, one v3 list over the page's `customerSince`
  range with addresses and cards expanded, one for the sameAs index; Ecommerce
  lists orders per customer only.
- Elastic Path: one token; one list for the page and one for the index; addresses
  and orders are per-customer resources (no multi-id filter).
- Digital River: one list for the page and one for the index (sources and the
  shipping address ride on the record); orders per customer.
"""

from __future__ import annotations

from collections import Counter
from math import ceil

from gateway.model import ProviderName
from tests.conftest import Gateway
from tests.graph.seeded import records

QUERY = """{ customers(first: 50) { nodes {
  provider email addresses { city } paymentSources { last4 }
  orders(first: 5) { nodes { total { amount } } } sameAs { provider } } } }"""


def budget(provider: ProviderName, on_page: int, in_provider: int) -> dict[str, int]:
    index_pages = ceil(in_provider / 100)
    budgets = {
        ProviderName.SQUARE: {
            "POST /v2/customers/search": 1 + index_pages,
            "GET /v2/cards": on_page,
            "GET /v2/locations": 1,
            "POST /v2/orders/search": ceil(on_page / 10),
        },
        ProviderName.CLOVER: {
            "GET /v3/merchants/{mId}/customers": 2 + index_pages,
            "GET /v1/orders": on_page,
        },
        ProviderName.ELASTIC_PATH: {
            "POST /oauth/access_token": 1,
            "GET /v2/customers": 1 + index_pages,
            "GET /v2/customers/{customer_id}/addresses": on_page,
            "GET /v2/orders": on_page,
        },
        ProviderName.DIGITAL_RIVER: {
            "GET /customers": 1 + index_pages,
            "GET /orders": on_page,
        },
    }
    return budgets[provider]


async def test_one_page_of_everything_costs_exactly_its_budget(
    uncached_gateway: Gateway,
) -> None:
    gateway = uncached_gateway
    await gateway.reset_stats()
    nodes = (await gateway.data(QUERY))["customers"]["nodes"]
    assert len(nodes) == 50
    on_page = Counter(ProviderName[n["provider"]] for n in nodes)
    assert set(on_page) == set(ProviderName), "the first 50 span all four providers"
    stats = await gateway.stats()
    everyone = records(list(ProviderName))
    for provider in ProviderName:
        in_provider = sum(1 for _, q in everyone if q is provider)
        expected = budget(provider, on_page[provider], in_provider)
        assert stats[provider.value]["routes"] == expected, provider
        assert stats[provider.value]["total"] == sum(expected.values())
