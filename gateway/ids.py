"""Global ids: `(kind, provider, provider id)` <-> one opaque string.

Base64url of `kind:provider:id`, without padding, so clients treat it as opaque and
the gateway can route it. An order id also carries its customer's id, because
providers list orders by customer and that is how the gateway finds one again.
"""

from __future__ import annotations

import base64
import binascii
import enum
from dataclasses import dataclass

from gateway.errors import MalformedId
from gateway.model import CustomerRef, ProviderName


class Kind(enum.Enum):
    CUSTOMER = "Customer"
    ORDER = "Order"


@dataclass(frozen=True, slots=True)
class GlobalId:
    kind: Kind
    provider: ProviderName
    provider_id: str
    customer_id: str | None = None
    """Only on orders: the provider id of the customer the order belongs to."""

    @property
    def customer(self) -> CustomerRef:
        return CustomerRef(self.provider, self.customer_id or self.provider_id)


def encode(gid: GlobalId) -> str:
    parts = [gid.kind.value, gid.provider.value]
    if gid.customer_id is not None:
        parts.append(gid.customer_id)
    parts.append(gid.provider_id)
    raw = "\x1f".join(parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def customer_id(ref: CustomerRef) -> str:
    return encode(GlobalId(Kind.CUSTOMER, ref.provider, ref.provider_id))


def order_id(provider: ProviderName, customer_provider_id: str, order_provider_id: str) -> str:
    return encode(GlobalId(Kind.ORDER, provider, order_provider_id, customer_provider_id))


def decode(value: str, field: str = "id") -> GlobalId:
    """Parse a global id; anything the gateway did not issue raises MalformedId."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        parts = raw.split("\x1f")
        kind = Kind(parts[0])
        provider = ProviderName(parts[1])
    except (binascii.Error, UnicodeDecodeError, ValueError, IndexError) as exc:
        raise MalformedId(field) from exc
    expected = 4 if kind is Kind.ORDER else 3
    if len(parts) != expected or not all(parts):
        raise MalformedId(field)
    if kind is Kind.ORDER:
        return GlobalId(kind, provider, parts[3], parts[2])
    return GlobalId(kind, provider, parts[2])


def decode_customer(value: str, field: str = "id") -> CustomerRef:
    gid = decode(value, field)
    if gid.kind is not Kind.CUSTOMER:
        raise MalformedId(field)
    return CustomerRef(gid.provider, gid.provider_id)
