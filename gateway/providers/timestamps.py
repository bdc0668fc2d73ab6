"""Timestamps as providers send them: RFC 3339 with `Z` or an offset."""

from __future__ import annotations

from datetime import datetime


def parse_time(value: object) -> datetime | None:
    """The instant, or None when the provider sent none; ValueError when malformed."""
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
