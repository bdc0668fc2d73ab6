"""Global ids: `(kind, provider, provider id)` <-> one opaque string; and the forms of
provider ids.

Base64url of `kind:provider:id`, without padding, so clients treat it as opaque and
the gateway can route it. An order id also carries its customer's id, because
providers list orders by customer and that is how the gateway finds one again.

Decoding proves only that the gateway could have issued an id, not that the provider
could have: anyone can base64 `Customer\x1fsquare\x1fx/../victim`. So each provider
declares the form of its ids (`IdRules`, on its `Capabilities`), and every id that
will reach a provider URL is checked against it before any upstream call.
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
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


@dataclass(frozen=True, slots=True)
class IdRule:
    """The form of one kind of provider id: a pattern the whole id matches, and a length.

    The length is checked first, so a 10 KB value costs no regex work. A value of dots
    only is refused whatever the pattern: a URL resolves `.` and `..` as path steps.
    """

    pattern: str
    max_length: int

    def accepts(self, value: str) -> bool:
        return (
            0 < len(value) <= self.max_length
            and value.strip(".") != ""
            and re.fullmatch(self.pattern, value) is not None
        )

    def check(self, value: str, field: str) -> str:
        """`value`, or MalformedId naming `field` (dotted input path, e.g. `input.addressId`)."""
        if not self.accepts(value):
            raise MalformedId(field)
        return value


def chars(alphabet: str, max_length: int, min_length: int = 1) -> IdRule:
    """Ids of `min_length` to `max_length` characters from `alphabet`, a regex class."""
    return IdRule(f"{alphabet}{{{min_length},{max_length}}}", max_length)


UUID = IdRule(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", 36)
OPAQUE = chars(r"[A-Za-z0-9_-]", 64)
"""A short token of letters, digits, `_` and `-`: ids the gateway itself makes up
(Square's and Digital River's one address), and provider ids of that form."""


@dataclass(frozen=True, slots=True)
class IdRules:
    """The forms of one provider's ids, by the contract argument that carries them."""

    customer: IdRule
    address: IdRule
    payment_source: IdRule
    order: IdRule
    token: IdRule
    """A payment token given to attach or create (a source id where it becomes a URL segment)."""
    cursor: IdRule
    """The provider's own listing position, carried inside the gateway's `after` cursor."""

    def check_global(self, gid: GlobalId, field: str = "id") -> None:
        """Refuse a decodable global id whose provider part this provider never issues."""
        if gid.kind is Kind.ORDER:
            self.order.check(gid.provider_id, field)
        self.customer.check(gid.customer.provider_id, field)
