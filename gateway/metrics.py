"""Cache counters of one app, rendered in the Prometheus text format at `/metrics`.

Hand-written rather than prometheus-client: a handful of counters do not need a
dependency nor its process-global registry (two apps in one process, as the tests
build, must not share counts). Every provider x kind series exists from startup
at 0, so a dashboard's rate() has a baseline before the first request.
"""

from __future__ import annotations

from collections import Counter

from gateway.cache import CacheKind
from gateway.model import ProviderName

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

COUNTERS = {
    "hits": "Reads answered from the cache.",
    "misses": "Reads the cache could not answer (stale, expired or never stored).",
    "coalesced": "Misses answered by a fetch another request already had in flight.",
    "backend_errors": "Cache backend operations that failed; the read went upstream.",
}


class CacheMetrics:
    def __init__(self) -> None:
        self._providers: list[ProviderName] = []
        self._counts: Counter[tuple[str, ProviderName, CacheKind]] = Counter()
        self._invalidations: Counter[ProviderName] = Counter()

    def track(self, provider: ProviderName) -> None:
        """Show this provider's series (at 0) before its first read."""
        if provider not in self._providers:
            self._providers.append(provider)

    def count(self, counter: str, provider: ProviderName, kind: CacheKind, n: int = 1) -> None:
        if n:
            self._counts[(counter, provider, kind)] += n

    def invalidated(self, provider: ProviderName) -> None:
        self._invalidations[provider] += 1

    def value(self, counter: str, provider: ProviderName, kind: CacheKind) -> int:
        return self._counts[(counter, provider, kind)]

    def render(self) -> str:
        lines: list[str] = []
        for counter, help_text in COUNTERS.items():
            name = f"gateway_cache_{counter}_total"
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
            lines += [
                f'{name}{{provider="{p.value}",kind="{k.value}"}} {self._counts[(counter, p, k)]}'
                for p in self._providers
                for k in CacheKind
            ]
        name = "gateway_cache_invalidations_total"
        lines += [
            f"# HELP {name} Writes through the gateway that invalidated cached reads.",
            f"# TYPE {name} counter",
        ]
        lines += [
            f'{name}{{provider="{p.value}"}} {self._invalidations[p]}' for p in self._providers
        ]
        return "\n".join(lines) + "\n"
