"""Settings for the property tests that drive a real server: bounded, repeatable enough.

No per-example deadline (a request's time is not the property under test), no example
database (CI starts clean), and the health checks that slow examples trip are off.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings


def against_a_server(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
