"""What a write that went through answers, when reading its record back may fail.

A write and the read of the record after it are separate upstream calls. When the
write committed and only the read failed, a plain failure would send the client into
a retry that writes twice (a second card) or fails (a single-use token). So the
write's own answer is kept, the record is left out, and a warning says what happened:
read the record again, do not write again. Nothing here is specific to one mutation;
attach is the first write that reports so.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from gateway.errors import ProviderError
from gateway.model import Customer, PaymentSource, ProviderName

log = logging.getLogger("gateway.committed")

T = TypeVar("T")


class WarningCode(enum.Enum):
    """`MutationWarning.code`: something the client should know about a write that worked."""

    READ_BACK_FAILED = "READ_BACK_FAILED"


@dataclass(frozen=True, slots=True)
class MutationWarning:
    """A note on a payload beside its result; never a failure of the write."""

    code: WarningCode
    message: str
    provider: ProviderName | None = None


def read_back_failed(provider: ProviderName) -> MutationWarning:
    return MutationWarning(
        WarningCode.READ_BACK_FAILED,
        f"The write committed at {provider.name}; reading the record back failed: "
        "read it again before retrying.",
        provider,
    )


async def read_back(
    provider: ProviderName, operation: str, read: Callable[[], Awaitable[T]]
) -> tuple[T | None, tuple[MutationWarning, ...]]:
    """`read()`'s answer, or None and the warning when the provider failed it.

    Only provider failures are caught: anything else is a bug and stays one. The log
    line names the error's class and status, never the provider's words.
    """
    try:
        return await read(), ()
    except ProviderError as exc:
        log.warning(
            "read-back failed after a committed write operation=%s provider=%s status=%s error=%s",
            operation,
            provider.value,
            exc.status,
            type(exc).__name__,
        )
        return None, (read_back_failed(provider),)


@dataclass(frozen=True, slots=True)
class Attached:
    """An attach that committed: the source, and the customer as read after it."""

    source: PaymentSource
    """As read back where that worked, else as the write answered it."""
    customer: Customer | None
    """None when the read-back failed; `warnings` then says so."""
    warnings: tuple[MutationWarning, ...] = ()
