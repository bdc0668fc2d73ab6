"""Clover: Platform v3 for the directory, Ecommerce v1 for cards and orders."""

from gateway.contract import ProviderSpec
from gateway.model import ProviderName
from gateway.providers.clover.settings import CloverSettings

SPEC = ProviderSpec(
    name=ProviderName.CLOVER,
    settings=CloverSettings,
    adapter="gateway.providers.clover.adapter:build",
    emulator="sandboxes.clover.app:create_sandbox",
    contract_case="tests.providers.clover.case:CASE",
)
