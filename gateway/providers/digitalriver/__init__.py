"""Digital River: customers with caller-chosen ids, sources and forget requests."""

from gateway.contract import ProviderSpec
from gateway.model import ProviderName
from gateway.providers.digitalriver.settings import DigitalRiverSettings

SPEC = ProviderSpec(
    name=ProviderName.DIGITAL_RIVER,
    settings=DigitalRiverSettings,
    adapter="gateway.providers.digitalriver.adapter:build",
    emulator="sandboxes.digitalriver.app:create_sandbox",
    contract_case="tests.providers.digitalriver.case:CASE",
)
