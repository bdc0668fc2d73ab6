"""`Customer.native` as a client may see it: the provider's payload, less the deployment.

A provider's own JSON carries things about the gateway's account and hosts, not the
customer: Clover's merchant id and `href`s, Elastic Path's `links`, secrets such as a
saved card's token. Each mapping names the keys of its provider that must not leave,
and every absolute URL goes whatever its key, so a field a provider adds later cannot
leak an internal host either. The unified fields keep whatever the customer wrote.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

ABSOLUTE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def curated(native: Mapping[str, Any], hidden: frozenset[str]) -> dict[str, Any]:
    """`native` without the `hidden` keys (at any depth) and without absolute URLs."""
    return {k: _value(v, hidden) for k, v in native.items() if _kept(k, v, hidden)}


def _kept(key: str, value: Any, hidden: frozenset[str]) -> bool:
    return key not in hidden and not _is_url(value)


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and ABSOLUTE_URL.match(value) is not None


def _value(value: Any, hidden: frozenset[str]) -> Any:
    if isinstance(value, Mapping):
        return curated(value, hidden)
    if isinstance(value, list):
        return [_value(v, hidden) for v in value if not _is_url(v)]
    return value
