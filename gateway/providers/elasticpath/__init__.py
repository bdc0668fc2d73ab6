"""Elastic Path Commerce Cloud: customers, addresses and orders over JSON:API."""

from gateway.contract import ProviderSpec
from gateway.model import ProviderName
from gateway.providers.elasticpath.settings import ElasticPathSettings

SPEC = ProviderSpec(
    name=ProviderName.ELASTIC_PATH,
    settings=ElasticPathSettings,
    adapter="gateway.providers.elasticpath.adapter:build",
    emulator="sandboxes.elasticpath.app:create_sandbox",
    contract_case="tests.providers.elasticpath.case:CASE",
)
