"""Gateway-side concurrency tokens for providers that have no native version.

The token is a hash of the record as the provider returns it (or of its update stamp
where it has one). `expectedVersion` is then checked read-compare-write: the adapter
reads, compares, and writes. That leaves a small race window between the read and
the write that only the provider could close; the README says so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from gateway.errors import UserErrorCode, UserInputError


def record_version(native: Mapping[str, Any]) -> str:
    canonical = json.dumps(native, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def check_expected(current: str, expected: str | None) -> None:
    """Refuse a write whose caller saw another version of the record."""
    if expected is not None and expected != current:
        raise UserInputError(
            UserErrorCode.CONFLICT,
            "The customer changed since that version; read it again and retry.",
            ("input", "expectedVersion"),
        )
