"""An adapter that trips over a provider's answer fails as that provider, not as the gateway.

Adapters read each provider's JSON with plain indexing (`body["customer"]`) and the
mapping functions trust the documented shape. An answer of another shape would raise
`KeyError`, `TypeError` and the like, which the schema reports as `INTERNAL` with
`data: null` for every provider. Innermost of the wrappers, this turns them into that
provider's `ProviderBadResponse`, so the breaker, the cache and the listing treat it as
any other failure of one provider. The log keeps the exception's type and frames, so a
bug of ours still shows as one.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import ValidationError

from gateway.errors import ProviderBadResponse
from gateway.middleware.base import Call, ProviderMiddleware

T = TypeVar("T")
log = logging.getLogger("gateway.providers")
MISREAD = (KeyError, TypeError, ValueError, AttributeError, IndexError, ValidationError)
"""Raised by reading a value that is not where, or not what, the mapping expects."""


class ConfinedProvider(ProviderMiddleware):
    """Misread answers become the provider's `ProviderBadResponse`."""

    async def around(self, call: Call, proceed: Callable[[], Awaitable[T]]) -> T:
        try:
            return await proceed()
        except MISREAD as exc:
            frames = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
            log.warning(
                "provider=%s call=%s answer misread type=%s\n%s",
                self.name.value,
                call.operation,
                type(exc).__name__,
                frames.rstrip(),
            )
            raise ProviderBadResponse(
                self.name, f"{call.operation}: answer misread ({type(exc).__name__})"
            ) from exc
