"""The one retry policy for upstream requests, on tenacity.

What may be sent again depends on what the request does (`Replay`):

- a read (`SAFE`) is retried after a dropped or refused connection, a 502/503/504 and a 429;
- a write the provider deduplicates (`IDEMPOTENT`: it carries an idempotency key) alike;
- any other write (`ONCE`) only when it cannot have reached the provider: no
  connection, or a 429 (refused before any work).

Timeouts are never retried: a hung provider would cost its timeout once per try, and the
breaker (`gateway.middleware.breaker`) is the answer to that. Waits are jittered
exponential backoff, or the provider's `Retry-After` on a 429 when it is short enough.
Each retry takes one from the request's retry budget (`LIMITS__MAX_UPSTREAM_RETRIES`),
and none starts when its wait would end past the request's deadline.
"""

from __future__ import annotations

import asyncio
import enum
import logging

from tenacity import AsyncRetrying, RetryCallState, wait_exponential_jitter

from gateway.contract import RetrySettings
from gateway.errors import (
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
    ProviderUnreachable,
)
from gateway.metrics import upstream_retried
from gateway.model import ProviderName
from gateway.scope import current

log = logging.getLogger("gateway.http")

RETRIED_STATUSES = frozenset({502, 503, 504})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MIN_CALL_S = 0.05
"""A retry needs at least this much time left after its wait to be worth sending."""


class Replay(enum.Enum):
    """What sending a request twice would do."""

    SAFE = "safe"
    """A read: nothing changes, however often it is sent."""
    IDEMPOTENT = "idempotent"
    """A write the provider applies once per idempotency key."""
    ONCE = "once"
    """A write that a second send could apply twice."""

    @classmethod
    def of(cls, method: str) -> Replay:
        """The default by HTTP method; adapters name POST reads and keyed writes."""
        return cls.SAFE if method in SAFE_METHODS else cls.ONCE

    @property
    def writes(self) -> bool:
        return self is not Replay.SAFE


def retryable(error: BaseException, replay: Replay) -> bool:
    """Whether `error` may be answered by sending the request again."""
    if isinstance(error, (ProviderUnreachable, ProviderRateLimited)):
        return True
    if replay is Replay.ONCE or isinstance(error, ProviderTimeout):
        return False
    if isinstance(error, ProviderUnavailable):
        return error.status is None or error.status in RETRIED_STATUSES
    return False


def policy(provider: ProviderName, settings: RetrySettings, replay: Replay) -> AsyncRetrying:
    """The tenacity loop for one request; it re-raises the last error when it gives up."""
    backoff = wait_exponential_jitter(
        multiplier=settings.backoff_initial_s, max=settings.backoff_max_s, jitter=settings.jitter_s
    )

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, ProviderRateLimited):
            return error.retry_after if error.retry_after is not None else 1.0
        return float(backoff(state))

    def retry(state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        return error is not None and retryable(error, replay)

    def stop(state: RetryCallState) -> bool:
        if state.attempt_number >= settings.attempts:
            return True
        error = state.outcome.exception() if state.outcome else None
        wait_s = state.upcoming_sleep
        if isinstance(error, ProviderRateLimited) and wait_s > settings.max_retry_after_s:
            return True
        deadline = current().bound(None)
        if deadline is not None and asyncio.get_running_loop().time() + wait_s + MIN_CALL_S > (
            deadline
        ):
            return True
        return not current().charge_retry()

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        reason = type(error).__name__ if error is not None else "unknown"
        upstream_retried(provider, reason)
        log.info(
            "provider=%s retrying after %s in %.2fs (attempt %d)",
            provider.value,
            reason,
            state.upcoming_sleep,
            state.attempt_number + 1,
        )

    return AsyncRetrying(wait=wait, retry=retry, stop=stop, before_sleep=before_sleep, reraise=True)
