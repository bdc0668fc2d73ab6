"""The unified customer model.

Plain frozen dataclasses shared by every layer. It imports no provider code and no
GraphQL: providers map their native JSON to these types, the schema builds its
types from them. Whatever a provider holds that the model lacks stays in
`Customer.native`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

JSONObject = dict[str, Any]


class ProviderName(enum.Enum):
    """The providers the gateway knows; the value is the slug used in URLs and ids."""

    __hash__ = object.__hash__
    """Members are singletons compared by identity: hashing by identity, in C, keeps
    the loaders' and the cache's keys (`CustomerRef`, per provider) cheap (issue 16)."""

    SQUARE = "square"
    CLOVER = "clover"
    ELASTIC_PATH = "elasticpath"
    DIGITAL_RIVER = "digitalriver"


class CustomerType(enum.Enum):
    INDIVIDUAL = "INDIVIDUAL"
    BUSINESS = "BUSINESS"


class PaymentSourceKind(enum.Enum):
    CARD = "CARD"
    OTHER = "OTHER"


class ForgetOutcome(enum.Enum):
    """What a provider did with a forget request."""

    DELETED = "DELETED"
    FORGET_REQUESTED = "FORGET_REQUESTED"


@dataclass(frozen=True, slots=True)
class Address:
    id: str
    label: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    phone: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    instructions: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentSource:
    id: str
    kind: PaymentSourceKind
    is_default: bool = False
    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in the currency's minor unit, so no float ever holds money."""

    amount: int
    currency: str


@dataclass(frozen=True, slots=True)
class Order:
    provider: ProviderName
    provider_id: str
    customer_id: str
    status: str | None = None
    total: Money | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """Identifies one customer record: which provider, and that provider's own id."""

    provider: ProviderName
    provider_id: str


@dataclass(frozen=True, slots=True)
class Customer:
    provider: ProviderName
    provider_id: str
    version: str
    native: JSONObject
    email: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    display_name: str | None = None
    company_name: str | None = None
    phone: str | None = None
    nickname: str | None = None
    note: str | None = None
    birthday: str | None = None
    reference_id: str | None = None
    locale: str | None = None
    customer_type: CustomerType | None = None
    enabled: bool | None = None
    has_password: bool | None = None
    metadata: JSONObject | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def ref(self) -> CustomerRef:
        return CustomerRef(self.provider, self.provider_id)


class AddressFields(TypedDict, total=False):
    """An address write: an absent key stays as it is, None clears it."""

    label: str | None
    first_name: str | None
    last_name: str | None
    company_name: str | None
    phone: str | None
    line1: str | None
    line2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    instructions: str | None


class CustomerFields(TypedDict, total=False):
    """A customer write in unified names: an absent key stays as it is, None clears it."""

    email: str | None
    given_name: str | None
    family_name: str | None
    display_name: str | None
    company_name: str | None
    phone: str | None
    nickname: str | None
    note: str | None
    birthday: str | None
    reference_id: str | None
    locale: str | None
    customer_type: CustomerType | None
    enabled: bool | None
    metadata: JSONObject | None
    password: str | None


@dataclass(frozen=True, slots=True)
class NewCustomer:
    """Everything a create can carry besides the plain fields."""

    fields: CustomerFields
    provider_id: str | None = None
    address: AddressFields | None = None
    payment_source_token: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerQuery:
    """A listing filter in unified terms; every field narrows the result (AND)."""

    email: str | None = None
    phone: str | None = None
    name: str | None = None
    reference_id: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class CustomerPage:
    """One page of a provider's listing, newest first; `next_cursor` None means the end."""

    customers: tuple[Customer, ...]
    next_cursor: str | None
