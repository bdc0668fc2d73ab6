"""Which parts of a write change nothing, so a record read can be written back unchanged.

A client that renders one form for every provider sends every key it read. A key the
provider does not store is then not a request to store something: `null` where the
provider never holds a value, or the value the provider shows for a derived field
(Square's `displayName`, the `label` of a one-address provider), changes nothing and
is dropped before the write. Any other value for such a key is a real change the
provider cannot make, and stays UNSUPPORTED_FIELD.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.model import Customer


def display_name(customer: Customer) -> str | None:
    """The name a client reads: the provider's, else the given and family names joined."""
    joined = " ".join(p for p in (customer.given_name, customer.family_name) if p)
    return customer.display_name or joined or None


def shown(customer: Customer, name: str) -> Any:
    """The value a client reads for `CustomerFields` key `name`."""
    return display_name(customer) if name == "display_name" else getattr(customer, name, None)


@dataclass(frozen=True, slots=True)
class Split:
    """A write sorted by what the provider can do with each key."""

    stored: dict[str, Any]
    """Keys the provider stores: sent."""
    derived: dict[str, Any]
    """Non-null values of keys the provider only shows: no-ops if equal to what it shows."""
    refused: tuple[str, ...]
    """Non-null values of keys the provider never holds: real changes it cannot make."""


def split(values: Mapping[str, Any], stored: frozenset[str], derived: frozenset[str]) -> Split:
    """Sort `values`; nulls of keys the provider does not store are dropped here."""
    kept = {k: v for k, v in values.items() if k in stored}
    unstored = {k: v for k, v in values.items() if k not in stored and v is not None}
    return Split(
        stored=kept,
        derived={k: v for k, v in unstored.items() if k in derived},
        refused=tuple(k for k in unstored if k not in derived),
    )
