"""Address helpers shared by every adapter: the contract says omitted fields stay."""

from __future__ import annotations

from dataclasses import fields, replace

from gateway.model import Address, AddressFields

ADDRESS_FIELD_NAMES: frozenset[str] = frozenset(f.name for f in fields(Address)) - {"id"}


def merge_address(current: Address, patch: AddressFields) -> Address:
    """`current` with the given fields changed; a None in the patch clears that field."""
    return replace(current, **patch)


def new_address(address_id: str, values: AddressFields) -> Address:
    return Address(id=address_id, **values)
