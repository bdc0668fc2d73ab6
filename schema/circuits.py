"""A provider's circuit breaker as clients see it in `providers { circuit }`."""

from __future__ import annotations

import enum

import strawberry

from gateway.middleware.breaker import Circuit, CircuitState


@strawberry.enum(
    description="CLOSED: calls go through. OPEN: refused at once. HALF_OPEN: one probe."
)
class CircuitStateName(enum.Enum):
    CLOSED = "closed"
    HALF_OPEN = "half_open"
    OPEN = "open"


@strawberry.type(
    description="The account's circuit breaker, shared by every request of this gateway process."
)
class CircuitStatus:
    state: CircuitStateName
    consecutive_failures: int = strawberry.field(
        description="Failed calls in a row (outages, timeouts, unreadable answers)."
    )
    failure_threshold: int = strawberry.field(description="This many in a row open it.")
    retry_after: float = strawberry.field(
        description="Seconds until a probe may go through; 0 when closed or due."
    )

    @classmethod
    def of(cls, circuit: Circuit) -> CircuitStatus:
        state: CircuitState = circuit.state
        return cls(
            state=CircuitStateName(state.value),
            consecutive_failures=circuit.consecutive_failures,
            failure_threshold=circuit.settings.failures,
            retry_after=round(circuit.retry_after(), 3),
        )
