"""Request counters: how many upstream calls the gateway really made, per route.

Tests assert call budgets with these instead of timing anything.
"""

from __future__ import annotations

from collections import Counter


class RequestCounters:
    def __init__(self) -> None:
        self._by_provider: dict[str, Counter[str]] = {}

    def count(self, provider: str, method: str, template: str) -> None:
        self._by_provider.setdefault(provider, Counter())[f"{method} {template}"] += 1

    def snapshot(self) -> dict[str, dict[str, object]]:
        return {
            provider: {"total": sum(routes.values()), "routes": dict(sorted(routes.items()))}
            for provider, routes in sorted(self._by_provider.items())
        }

    def reset(self) -> None:
        self._by_provider.clear()
