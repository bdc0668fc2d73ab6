"""GraphQL object types, built from the unified model; nested fields go through loaders."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar, cast

import strawberry
from strawberry.scalars import JSON

from gateway import ids, model
from gateway.auth import shoppers
from gateway.errors import GatewayError, MalformedId, UserErrorCode, UserInputError
from gateway.loaders import ByProvider
from gateway.validation import camel
from gateway.writeback import display_name
from schema.capabilities import ProviderCapabilities, address_field, customer_field
from schema.circuits import CircuitStatus
from schema.context import Info
from schema.partial import (
    ProviderFailure,
    complete,
    known_part,
    listed_part,
    missing_providers,
    owner,
)
from schema.parts import PAYMENT_SOURCE_FIELDS, Parts, customer_fields
from schema.permissions import guarded

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def described(description: str, **options: Any) -> Callable[[F], F]:
    """`@strawberry.field(description=...)`, typed for mypy (strawberry types it as Any)."""
    return cast(Callable[[F], F], strawberry.field(description=description, **options))


def answered_as(graphql_type: object) -> Callable[[F], F]:
    """`@strawberry.field(graphql_type=...)`, typed for mypy: for a resolver whose Python
    return type (a value, or an awaitable of it) is not its GraphQL type."""
    return cast(Callable[[F], F], strawberry.field(graphql_type=graphql_type))


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Address:
    id: strawberry.ID = strawberry.field(
        description="Provider's address id where it has one; stable synthetic id otherwise."
    )
    label: str | None = strawberry.field(description=address_field("label", "e.g. home, office."))
    first_name: str | None = strawberry.field(description=address_field("first_name"))
    last_name: str | None = strawberry.field(description=address_field("last_name"))
    company_name: str | None = strawberry.field(description=address_field("company_name"))
    phone: str | None = strawberry.field(description=address_field("phone"))
    line1: str | None = strawberry.field(description=address_field("line1"))
    line2: str | None = strawberry.field(description=address_field("line2"))
    city: str | None = strawberry.field(description=address_field("city"))
    region: str | None = strawberry.field(description=address_field("region"))
    postal_code: str | None = strawberry.field(description=address_field("postal_code"))
    country: str | None = strawberry.field(
        description=address_field("country", "ISO 3166-1 alpha-2.")
    )
    instructions: str | None = strawberry.field(description=address_field("instructions"))

    @classmethod
    def from_model(cls, a: model.Address) -> Address:
        return cls(
            id=strawberry.ID(a.id),
            label=a.label,
            first_name=a.first_name,
            last_name=a.last_name,
            company_name=a.company_name,
            phone=a.phone,
            line1=a.line1,
            line2=a.line2,
            city=a.city,
            region=a.region,
            postal_code=a.postal_code,
            country=a.country,
            instructions=a.instructions,
        )


@strawberry.type
class PaymentSource:
    id: strawberry.ID
    kind: model.PaymentSourceKind
    brand: str | None
    last4: str | None
    exp_month: int | None
    exp_year: int | None
    is_default: bool

    @classmethod
    def from_model(cls, p: model.PaymentSource) -> PaymentSource:
        return cls(
            id=strawberry.ID(p.id),
            kind=p.kind,
            brand=p.brand,
            last4=p.last4,
            exp_month=p.exp_month,
            exp_year=p.exp_year,
            is_default=p.is_default,
        )


@strawberry.type
class Money:
    amount: int = strawberry.field(description="Amount in the currency's minor unit (cents).")
    currency: str = strawberry.field(description="ISO 4217.")


@strawberry.federation.type(keys=["id"])
class Order(Node):
    id: strawberry.ID
    provider: model.ProviderName
    provider_id: str
    status: str | None
    total: Money | None
    created_at: datetime | None

    @classmethod
    def from_model(cls, o: model.Order) -> Order:
        return cls(
            id=strawberry.ID(ids.order_id(o.provider, o.customer_id, o.provider_id)),
            provider=o.provider,
            provider_id=o.provider_id,
            status=o.status,
            total=Money(amount=o.total.amount, currency=o.total.currency) if o.total else None,
            created_at=o.created_at,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Order | None:
        return await load_order(info, str(id))


@strawberry.type
class OrderEdge:
    cursor: str
    node: Order


@strawberry.type
class OrderConnection:
    edges: list[OrderEdge]
    nodes: list[Order]
    page_info: PageInfo


def _offset_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _offset_from(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(cursor.encode()))["o"]
    except (ValueError, KeyError, TypeError) as exc:
        raise MalformedId("after") from exc
    if not isinstance(offset, int) or offset < 0:
        raise MalformedId("after")
    return offset


def order_connection(
    orders: Sequence[model.Order], first: int, after: str | None
) -> OrderConnection:
    if first < 0:
        raise UserInputError(UserErrorCode.INVALID, "`first` must not be negative.", ("first",))
    start = _offset_from(after)
    window = orders[start : start + first]
    edges = [
        OrderEdge(cursor=_offset_cursor(start + i + 1), node=Order.from_model(o))
        for i, o in enumerate(window)
    ]
    return OrderConnection(
        edges=edges,
        nodes=[e.node for e in edges],
        page_info=PageInfo(
            has_next_page=start + first < len(orders),
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


@strawberry.federation.type(
    keys=["id"], description="A customer profile as one provider holds it, in unified form."
)
class Customer(Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; encodes the provider and its own id."
    )
    provider: model.ProviderName
    provider_id: str = strawberry.field(description="The provider's own id for this customer.")
    version: str = strawberry.field(
        description="Concurrency token: pass it back as expectedVersion to update or delete."
    )
    email: str | None = strawberry.field(description=customer_field("email"))
    given_name: str | None = strawberry.field(description=customer_field("given_name"))
    family_name: str | None = strawberry.field(description=customer_field("family_name"))
    display_name: str | None = strawberry.field(
        description=customer_field(
            "display_name",
            "The name to show: the provider's full name, or given and family joined.",
        )
    )
    company_name: str | None = strawberry.field(description=customer_field("company_name"))
    phone: str | None = strawberry.field(description=customer_field("phone"))
    nickname: str | None = strawberry.field(description=customer_field("nickname"))
    note: str | None = strawberry.field(description=customer_field("note"))
    birthday: str | None = strawberry.field(
        description=customer_field("birthday", "YYYY-MM-DD, or --MM-DD when the year is unknown.")
    )
    reference_id: str | None = strawberry.field(description=customer_field("reference_id"))
    locale: str | None = strawberry.field(description=customer_field("locale"))
    customer_type: model.CustomerType | None = strawberry.field(
        description=customer_field("customer_type")
    )
    enabled: bool | None = strawberry.field(
        description=customer_field(
            "enabled", "False: the provider refuses new orders for this customer."
        )
    )
    has_password: bool | None = strawberry.field(
        description=customer_field(
            "password", "True once a password is set; the password itself is never readable."
        )
    )
    metadata: JSON | None = strawberry.field(description=customer_field("metadata"))
    created_at: datetime | None
    updated_at: datetime | None
    native: JSON | None = strawberry.field(
        description="The provider's own payload, for what the unified type does not carry. "
        "Needs the `native:read` scope; null, with a FORBIDDEN error, without it.",
        extensions=guarded("native"),
    )
    record: strawberry.Private[model.Customer]
    parts: strawberry.Private[Parts | None] = None

    @classmethod
    def from_model(cls, c: model.Customer) -> Customer:
        return cls(
            id=strawberry.ID(ids.customer_id(c.ref)),
            provider=c.provider,
            provider_id=c.provider_id,
            version=c.version,
            email=c.email,
            given_name=c.given_name,
            family_name=c.family_name,
            display_name=display_name(c),
            company_name=c.company_name,
            phone=c.phone,
            nickname=c.nickname,
            note=c.note,
            birthday=c.birthday,
            reference_id=c.reference_id,
            locale=c.locale,
            customer_type=c.customer_type,
            enabled=c.enabled,
            has_password=c.has_password,
            metadata=cast(JSON, c.metadata),
            created_at=c.created_at,
            updated_at=c.updated_at,
            native=cast(JSON, c.native),
            record=c,
        )

    missing_providers: list[ProviderFailure] = strawberry.field(
        resolver=missing_providers,
        description="Every provider whose matches for `sameAs` are missing; empty when "
        "complete. A listing reports its customers' other missing parts itself.",
    )
    complete: bool | None = strawberry.field(
        resolver=complete,
        description="True when every provider asked for `sameAs` answered in full; null "
        "when one is missing, with each missing provider's error (extensions.code, "
        "extensions.provider) at this path.",
    )

    # The nested fields answer at once from a listing's `Parts` (`schema.parts`), else
    # through the loaders: hence plain functions that may return an awaitable.

    @answered_as(list[Address])
    def addresses(self, info: Info) -> list[Address] | Awaitable[list[Address]]:
        known = self.parts.addresses if self.parts else None
        if known is None:
            return self._addresses(info)
        return [Address.from_model(a) for a in known_part(info, known, [])]

    @answered_as(list[PaymentSource])
    def payment_sources(self, info: Info) -> list[PaymentSource] | Awaitable[list[PaymentSource]]:
        known = self.parts.payment_sources if self.parts else None
        if known is None:
            return self._payment_sources(info)
        return [PaymentSource.from_model(p) for p in known_part(info, known, [])]

    @answered_as(PaymentSource | None)
    def default_payment_source(
        self, info: Info
    ) -> PaymentSource | Awaitable[PaymentSource | None] | None:
        known = self.parts.payment_sources if self.parts else None
        if known is None:
            return self._default_payment_source(info)
        return _default(known_part(info, known, []))

    @answered_as(OrderConnection)
    def orders(
        self, info: Info, first: int = 10, after: str | None = None
    ) -> OrderConnection | Awaitable[OrderConnection]:
        known = self.parts.orders if self.parts else None
        if known is None:
            return self._orders(info, first, after)
        return order_connection(known_part(info, known, []), first, after)

    async def _addresses(self, info: Info) -> list[Address]:
        found = await self._part(info.context.loaders.addresses_by_customer, info)
        return [Address.from_model(a) for a in found]

    async def _payment_sources(self, info: Info) -> list[PaymentSource]:
        found = await self._part(info.context.loaders.payment_sources_by_customer, info)
        return [PaymentSource.from_model(p) for p in found]

    async def _default_payment_source(self, info: Info) -> PaymentSource | None:
        return _default(await self._part(info.context.loaders.payment_sources_by_customer, info))

    async def _orders(self, info: Info, first: int, after: str | None) -> OrderConnection:
        found = await self._part(info.context.loaders.orders_by_customer, info)
        return order_connection(found, first, after)

    async def _part(
        self, loader: ByProvider[model.Customer, Sequence[T]], info: Info
    ) -> Sequence[T]:
        return await listed_part(info, loader.load(self.record), [])

    @described("Profiles of the same person in other providers (same email or phone).")
    async def same_as(
        self, info: Info
    ) -> list[Annotated[Customer, strawberry.lazy("schema.types")]]:
        found = await asyncio.shield(info.context.loaders.same_as_by_customer.load(self.record))
        for provider, error in found.failures.items():
            if isinstance(error, GatewayError):
                info.context.defer(owner(info), provider, error)
        customers = found.customers
        if info.context.ownership is not None:
            customers = tuple(shoppers.visible(info.context.ownership, customers))
        return [Customer.from_model(c) for c in customers]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Customer | None:
        return await load_customer(info, str(id))


def _default(found: Sequence[model.PaymentSource]) -> PaymentSource | None:
    return next((PaymentSource.from_model(p) for p in found if p.is_default), None)


async def load_customer(info: Info, global_id: str) -> Customer | None:
    """The customer a root field (`customer`, `node`, `_entities`) names; the nested
    reads its selection asks for start with the record's read where they can."""
    ref = ids.decode_customer(global_id)
    context = info.context
    if ref.provider not in context.registry:
        return None
    record = context.loaders.customer_by_ref.load(ref)
    asked = customer_fields(info, None)
    context.loaders.read_ahead(
        ref,
        context.registry.get(ref.provider).capabilities,
        payment_sources=not asked.isdisjoint(PAYMENT_SOURCE_FIELDS),
        orders="orders" in asked,
    )
    found = await record
    return Customer.from_model(found) if found else None


async def load_order(info: Info, global_id: str) -> Order | None:
    gid = ids.decode(global_id)
    if gid.kind is not ids.Kind.ORDER:
        raise MalformedId("id")
    if gid.provider not in info.context.registry:
        return None
    capabilities = info.context.registry.get(gid.provider).capabilities
    capabilities.ids.check_global(gid)
    record = info.context.loaders.customer_by_ref.load(gid.customer)
    info.context.loaders.read_ahead(gid.customer, capabilities, payment_sources=False, orders=True)
    customer = await record
    if customer is None:
        return None
    orders = await info.context.loaders.orders_by_customer.load(customer)
    return next((Order.from_model(o) for o in orders if o.provider_id == gid.provider_id), None)


@strawberry.type
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "email"].'
    )
    code: UserErrorCode
    message: str

    @classmethod
    def from_error(cls, error: UserInputError) -> UserError:
        return cls(
            field=list(error.field) if error.field else None,
            code=error.code,
            message=error.safe_message,
        )


@strawberry.type
class ProviderStatus:
    provider: model.ProviderName
    enabled: bool
    mode: str = strawberry.field(description="sandbox, or the real provider's environment name.")
    writable_fields: list[str] = strawberry.field(
        description="Unified Customer fields this provider can store."
    )
    capabilities: ProviderCapabilities | None = strawberry.field(
        description="What it stores and does; null while it is not enabled."
    )
    circuit: CircuitStatus | None = strawberry.field(
        default=None,
        description="Its circuit breaker; null while it is not enabled or has none.",
    )

    @staticmethod
    def writable(names: frozenset[str]) -> list[str]:
        return sorted(camel(n) for n in names)
