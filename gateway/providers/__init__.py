"""The providers the gateway speaks to: one package each, and the one list of them.

Adding a provider: a package here (`__init__.py` with its `SPEC`, `settings.py`,
`adapter.py`, `mapping.py`), its emulator under `sandboxes/`, a line below, and its
value in `ProviderName` (and the GraphQL `Provider` enum).
"""

from gateway.contract import ProviderSpec
from gateway.providers import clover, digitalriver, elasticpath, square

SPECS: tuple[ProviderSpec, ...] = (square.SPEC, clover.SPEC, elasticpath.SPEC, digitalriver.SPEC)
