"""Square: Customers, Cards, Locations and Orders APIs."""

from gateway.contract import ProviderSpec
from gateway.model import ProviderName
from gateway.providers.square.settings import SquareSettings

SPEC = ProviderSpec(
    name=ProviderName.SQUARE,
    settings=SquareSettings,
    adapter="gateway.providers.square.adapter:build",
    emulator="sandboxes.square.app:create_sandbox",
    contract_case="tests.providers.square.case:CASE",
)
